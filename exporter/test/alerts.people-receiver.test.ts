/**
 * The example receiver for people (deploy/alertmanager/): e-mail and Slack through headroom.tmpl,
 * checked by the real amtool, routed like the generated alertmanager.yml, and linking to the
 * dashboard the provisioning really has.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { RECEIVERS } from '../src/alerts/alertmanager.js';
import { ROOT } from './helpers.js';
import { exec } from './support/processes.js';

const DIR = path.join(ROOT, 'deploy/alertmanager');
const CONFIG = path.join(DIR, 'people-receiver.yml');

describe('the example people receiver', () => {
  it('is accepted by amtool check-config, templates included', async () => {
    const { stdout } = await exec('amtool', ['check-config', CONFIG]);
    expect(stdout).toContain('SUCCESS');
    expect(stdout).toContain('1 templates');
  });

  it.each(['budget', 'health'])(
    'receives the %s alerts under the receiver name the generated routes use',
    async (cls) => {
      const { stdout } = await exec('amtool', [
        'config',
        'routes',
        'test',
        `--config.file=${CONFIG}`,
        `headroom=${cls}`,
        'service=terminal',
      ]);
      expect(stdout.trim()).toBe(RECEIVERS.people);
      const generated = yaml.load(readFileSync(path.join(ROOT, 'alerts/alertmanager.yml'), 'utf8')) as {
        receivers: { name: string }[];
      };
      expect(generated.receivers.map((r) => r.name)).toContain(RECEIVERS.people);
    }
  );

  it('links the alert to its runbook and to the provisioned Headroom dashboard, in e-mail and Slack', async () => {
    const doc = yaml.load(readFileSync(CONFIG, 'utf8')) as {
      receivers: { email_configs: { html: string }[]; slack_configs: { title_link: string; text: string }[] }[];
    };
    const [people] = doc.receivers;
    expect(people.email_configs[0].html).toContain('headroom.email.html');
    expect(people.slack_configs[0].title_link).toContain('headroom.dashboard_link');
    const dashboard = JSON.parse(
      readFileSync(path.join(ROOT, 'provisioning/dashboards/headroom-overview.json'), 'utf8')
    ) as { uid: string };
    const { stdout } = await exec('amtool', [
      'template',
      'render',
      `--template.glob=${path.join(DIR, 'headroom.tmpl')}`,
      '--template.text={{ template "headroom.email.html" . }}',
    ]);
    expect(stdout).toContain('>Runbook</a>');
    expect(stdout).toContain(`/d/${dashboard.uid}/headroom?var-service=`);
  });
});
