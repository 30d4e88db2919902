/**
 * Alertmanager routing generated from the policy: scaling alerts to Headroom's webhook, budget and
 * health alerts to people, scale-in inhibited while scale-out fires.
 */
import type { Policy } from '../config/schema.js';
import { promDuration } from './format.js';
import { fleetRoutes } from './fleet.js';
import { ALERT_CLASS, classMatcher, EXPORTER_SCOPE, matcher, SCOPE_LABEL } from '@headroom/contract';

export const RECEIVERS = { scaler: 'headroom-scaler', people: 'headroom-people' } as const;

/** Routing timings; the scaling repeat_interval is derived per trigger from its cooldown. */
export const ROUTING = {
  /** The rule's `for:` already waited for the trigger's duration: notify the scaler at once. */
  scalingGroupWaitSeconds: 0,
  /** A new or resolved alert in a scaling group is sent within a minute. */
  scalingGroupIntervalSeconds: 60,
  peopleGroupWaitSeconds: 30,
  peopleGroupIntervalSeconds: 5 * 60,
  /** Health problems are repeated every 4 h until fixed; budget alerts once a day (they move daily). */
  healthRepeatSeconds: 4 * 3600,
  budgetRepeatSeconds: 24 * 3600,
} as const;

/**
 * repeat_interval of a scaling route: the trigger's cooldown plus one group_interval.
 * A still-firing trigger is re-sent after repeat_interval, and that repeat is what asks the scaler
 * for the next step (the scaler sets an absolute target and is idempotent, so a repeat never scales
 * twice). Shorter than the cooldown, every repeat would be blocked by the cooldown (recorded, but
 * noise); equal to it, the repeat can arrive just before the cooldown (which starts when the action
 * is taken, slightly after the notification) ends and be blocked, delaying the next step by a whole
 * repeat; longer, a sustained overload waits longer than the policy asks. Alertmanager only sends
 * on group_interval ticks, so one group_interval of slack is what is added.
 */
export function scalingRepeatSeconds(cooldownSeconds: number): number {
  return cooldownSeconds + ROUTING.scalingGroupIntervalSeconds;
}

export interface AlertmanagerRoute {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  routes?: AlertmanagerRoute[];
}

export function alertmanagerConfig(policy: Policy, webhookUrl: string): Record<string, unknown> {
  const a = policy.alerts;
  const triggerRoutes: AlertmanagerRoute[] = [];
  const cooldowns: number[] = [];
  for (const svc of policy.services) {
    for (const t of svc.scaling.scale_out) {
      cooldowns.push(t.cooldown);
      triggerRoutes.push({
        matchers: [`service="${svc.name}"`, `trigger="${t.name}"`],
        repeat_interval: promDuration(scalingRepeatSeconds(t.cooldown)),
      });
    }
    if (svc.scaling.scale_in) {
      cooldowns.push(svc.scaling.scale_in.cooldown);
      triggerRoutes.push({
        matchers: [`service="${svc.name}"`, 'trigger="scale_in"'],
        repeat_interval: promDuration(scalingRepeatSeconds(svc.scaling.scale_in.cooldown)),
      });
    }
  }
  for (const route of policy.fleets.flatMap(fleetRoutes)) {
    cooldowns.push(route.cooldown);
    triggerRoutes.push({
      matchers: route.matchers,
      repeat_interval: promDuration(scalingRepeatSeconds(route.cooldown)),
    });
  }
  return {
    route: {
      receiver: RECEIVERS.people,
      group_by: ['alertname', 'service'],
      group_wait: promDuration(ROUTING.peopleGroupWaitSeconds),
      group_interval: promDuration(ROUTING.peopleGroupIntervalSeconds),
      repeat_interval: promDuration(ROUTING.healthRepeatSeconds),
      routes: [
        {
          receiver: RECEIVERS.scaler,
          matchers: [classMatcher(ALERT_CLASS.scaling)],
          group_by: ['service', 'trigger'],
          group_wait: promDuration(ROUTING.scalingGroupWaitSeconds),
          group_interval: promDuration(ROUTING.scalingGroupIntervalSeconds),
          // For a trigger not listed below (a policy newer than this file): the shortest cooldown.
          repeat_interval: promDuration(scalingRepeatSeconds(Math.min(...cooldowns))),
          routes: triggerRoutes,
        },
        {
          receiver: RECEIVERS.people,
          matchers: [classMatcher(ALERT_CLASS.budget)],
          repeat_interval: promDuration(ROUTING.budgetRepeatSeconds),
        },
        { receiver: RECEIVERS.people, matchers: [classMatcher(ALERT_CLASS.health)] },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: [classMatcher(ALERT_CLASS.scaling), matcher('action', 'scale_out')],
        target_matchers: [classMatcher(ALERT_CLASS.scaling), matcher('action', 'scale_in')],
        equal: ['service'],
      },
    ],
    receivers: [
      {
        name: RECEIVERS.scaler,
        webhook_configs: [
          {
            url: webhookUrl,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials_file: a.webhook_credentials_file } },
          },
        ],
      },
      {
        name: RECEIVERS.people,
        webhook_configs: [{ url: a.people_webhook_url, send_resolved: true }],
      },
    ],
  };
}

export function alertmanagerHeader(policy: Policy, webhookUrl: string): string {
  const lines = [
    'Routing:',
    `- ${classMatcher(ALERT_CLASS.scaling)} -> ${RECEIVERS.scaler}: Headroom's webhook ${webhookUrl} (alerts.webhook_url or --webhook-url),`,
    `  bearer token read from ${policy.alerts.webhook_credentials_file} (alerts.webhook_credentials_file; the same token as`,
    "  the scaler's scaler.token_file / token_env), send_resolved, grouped by service and trigger.",
    `- ${classMatcher(ALERT_CLASS.budget)} and ${classMatcher(ALERT_CLASS.health)} -> ${RECEIVERS.people}: a PLACEHOLDER webhook (${policy.alerts.people_webhook_url},`,
    '  alerts.people_webhook_url). Replace it with your email_configs / slack_configs / pager receiver.',
    `- the exporter-wide health alerts (${matcher(SCOPE_LABEL, EXPORTER_SCOPE)}: refresh stale, exporter down or absent, reload`,
    '  failed) carry no service label: one alert per outage, whatever the number of services and fleets,',
    `  on the ${classMatcher(ALERT_CLASS.health)} route (grouped by alertname). Route ${matcher(SCOPE_LABEL, EXPORTER_SCOPE)} to your pager.`,
    '- inhibit: a firing scale-out silences scale-in of the same service (the rule already excludes it;',
    '  this also covers notifications already in flight).',
    '',
    "repeat_interval of each scaling route = the trigger's cooldown + one group_interval",
    `(${promDuration(ROUTING.scalingGroupIntervalSeconds)}). A repeated notification of a still-firing trigger is what asks the scaler for`,
    'the next step; the scaler is idempotent (absolute targets) and enforces cooldowns and rate limits.',
    'Shorter than the cooldown, repeats are only blocked by it; equal, a repeat can arrive just before',
    'the cooldown ends and be blocked, delaying the next step by a whole repeat; longer, a sustained',
    'overload waits longer than the policy asks.',
  ];
  return lines.map((l) => (l ? `# ${l}` : '#')).join('\n');
}
