/**
 * The vector selectors of a PromQL expression (pure, a small tokenizer, not a parser): what the
 * staleness checks date and count raw samples of (sources/prometheus.ts). `avg(rate(x{a="b"}[5m]))`
 * gives `x{a="b"}`. Function and aggregation names, keywords, label lists of by/without/on/ignoring/
 * group_left/group_right, ranges, durations and string literals are skipped. Null when the
 * expression has a construct this does not read (then only the restart check applies).
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'atan2',
  'inf',
  'nan',
  'start',
  'end',
]);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** Index just past the bracket that closes the one at `i` (quotes inside are skipped), or -1. */
function closing(q: string, i: number): number {
  const open = q[i];
  const close = open === '{' ? '}' : open === '[' ? ']' : ')';
  let depth = 0;
  for (let j = i; j < q.length; j++) {
    const c = q[j];
    if (c === '"' || c === "'" || c === '`') {
      j = endOfString(q, j) - 1;
      if (j < 0) return -1;
    } else if (c === open) depth++;
    else if (c === close && --depth === 0) return j + 1;
  }
  return -1;
}

function endOfString(q: string, i: number): number {
  const quote = q[i];
  for (let j = i + 1; j < q.length; j++) {
    if (q[j] === '\\' && quote !== '`') j++;
    else if (q[j] === quote) return j + 1;
  }
  return -1;
}

const skipSpace = (q: string, i: number) => {
  while (i < q.length && /\s/.test(q[i])) i++;
  return i;
};

export function vectorSelectors(query: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (c === '"' || c === "'" || c === '`') {
      i = endOfString(query, i);
      if (i < 0) return null;
    } else if (c === '[') {
      i = closing(query, i); // a range or subquery range: durations, not selectors
      if (i < 0) return null;
    } else if (c === '{') {
      const end = closing(query, i); // a selector by matchers only: {__name__="x"}
      if (end < 0) return null;
      out.push(query.slice(i, end));
      i = end;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(query.slice(i))!;
      const word = m[0];
      let j = skipSpace(query, i + word.length);
      if (query[j] === '(') {
        // A function or aggregation, or a keyword's label list (by (le)): skip the label list.
        i = LABEL_LISTS.has(word) ? closing(query, j) : j + 1;
        if (i < 0) return null;
      } else if (word === 'offset') {
        i = j + (/^-?[0-9a-z]+/i.exec(query.slice(j))?.[0].length ?? 0);
      } else if (KEYWORDS.has(word.toLowerCase()) || /^(?:by|without)\s*\(/.test(query.slice(j))) {
        // A keyword, or an aggregation written `sum by (le) (…)`.
        i = j;
      } else {
        let sel = word;
        if (query[j] === '{') {
          const end = closing(query, j);
          if (end < 0) return null;
          sel += query.slice(j, end);
          j = end;
        }
        out.push(sel);
        i = j;
      }
    } else if (/[0-9.]/.test(c)) {
      i += /^[0-9.]+(?:[eE][+-]?\d+)?[a-z]*/i.exec(query.slice(i))?.[0].length ?? 1; // a number or a duration
    } else i++;
  }
  return [...new Set(out)];
}
