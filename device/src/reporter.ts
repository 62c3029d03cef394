import {
  encode,
  errorMessage,
  topics,
  type Clock,
  type Logger,
  type ReportedState,
  type RunningModel,
  type Transport,
} from '@outpost/protocol';

export type ReportStatus = ReportedState['status'];

/**
 * Keeps the device's reported state and publishes it RETAINED, QoS 1 on every change and on every
 * (re)connect: the gateway learns about a device from it, and a restarted broker must see it again.
 */
export class Reporter {
  private current: Omit<ReportedState, 'at'>;
  private readonly topic: string;

  constructor(
    private readonly deviceId: string,
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly log: Logger,
    initialModels: RunningModel[],
  ) {
    this.topic = topics.device(deviceId, 'reported');
    this.current = { source: deviceId, kind: 'device', revision: -1, status: 'idle', models: initialModels };
  }

  get state(): Omit<ReportedState, 'at'> {
    return this.current;
  }

  set(revision: number, status: ReportStatus, models: RunningModel[]): void {
    this.current = { source: this.deviceId, kind: 'device', revision, status, models };
    this.publish();
  }

  /** Publishes the current state (after a connect, or a change). Never throws. */
  publish(): void {
    const message: ReportedState = { ...this.current, at: new Date(this.clock.now()).toISOString() };
    this.transport.publish(this.topic, encode(message), { qos: 1, retain: true }).catch((err: unknown) => {
      this.log.debug({ err: errorMessage(err) }, 'reported state not published yet (offline); sent again on connect');
    });
  }
}
