/**
 * What every configured actuator starts from: its `actuator:` entry of the policy, which names its
 * type and the timeout of its calls. Imports nothing from actuators.ts, so actuator-hpa.ts can use it.
 */
import type { ActuatorConfig } from '../config/schema.js';

type TimedType = Exclude<ActuatorConfig['type'], 'dry-run'>;
export type ActuatorConfigOf<T extends TimedType> = Extract<ActuatorConfig, { type: T }>;

export abstract class ConfiguredActuator<T extends TimedType> {
  readonly type: T;
  readonly timeoutSeconds: number;
  constructor(protected readonly cfg: ActuatorConfigOf<T>) {
    // Every entry but dry-run's has a timeout; TypeScript cannot see it through the generic Extract.
    const { type, timeout } = cfg as { type: T; timeout: number };
    this.type = type;
    this.timeoutSeconds = timeout;
  }
}
