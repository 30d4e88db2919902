# Reference forecasts for the forecast benchmark (bench/forecast.bench.ts, issue 14): Hyndman's R
# `forecast` package (Debian's r-cran-forecast), the original implementation of ETS with AICc
# selection, auto.arima and the Theta method, fitted with its defaults on each series' training part.
# A debugging aid and a measured anchor, not a dependency of the product or its tests.
#   Rscript bench/reference/forecast.R IN.json OUT.json
# IN: [{name, train: [...], h, freq}]; OUT: [{name, ets, ets_method, arima, arima_method, theta}].
suppressMessages({
  library(forecast)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
series <- fromJSON(args[1], simplifyVector = FALSE)
out <- list()
for (s in series) {
  x <- ts(unlist(s$train), frequency = s$freq)
  started <- Sys.time()
  e <- forecast(ets(x), h = s$h)
  a <- forecast(auto.arima(x), h = s$h)
  th <- thetaf(x, h = s$h)
  out[[length(out) + 1]] <- list(
    name = s$name, ets = as.numeric(e$mean), ets_method = e$method,
    arima = as.numeric(a$mean), arima_method = a$method, theta = as.numeric(th$mean)
  )
  message(sprintf("R reference: %s: %s, %s (%.1f s)", s$name, e$method, a$method,
                  as.numeric(Sys.time() - started, units = "secs")))
}
write(toJSON(out, auto_unbox = TRUE, digits = NA), args[2])
