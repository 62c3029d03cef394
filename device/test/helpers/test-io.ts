import { EventEmitter } from 'node:events';

/**
 * A johnny-five IO plugin without hardware (the "hardware pins" tests may mock): an Uno-like pin
 * map; a test sets what a pin reads with `analog`/`digital`, which reports it as a board would.
 * `{ ready: false }` never reports ready; `{ values: { A0: 512 } }` reports those readings as soon
 * as each pin is read (for a plugin loaded from a board config file).
 */
export class TestIO extends EventEmitter {
  static instances: TestIO[] = [];
  readonly name = 'TestIO';
  isReady = false;
  readonly MODES = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4 };
  readonly pins = Array.from({ length: 20 }, (_, i) => ({
    supportedModes: i >= 14 ? [0, 1, 2] : [0, 1],
    mode: 0,
    value: 0,
    report: 1,
    analogChannel: i >= 14 ? i - 14 : 127,
  }));
  readonly analogPins = [14, 15, 16, 17, 18, 19];
  readonly reads: string[] = [];

  constructor(private readonly opts: { ready?: boolean; values?: Record<string, number> } = {}) {
    super();
    TestIO.instances.push(this);
    if (opts.ready !== false)
      setImmediate(() => {
        this.isReady = true;
        this.emit('connect');
        this.emit('ready');
      });
  }

  normalize(pin: string | number): number {
    return typeof pin === 'string' && /^A\d+$/.test(pin) ? Number(pin.slice(1)) : Number(pin);
  }
  pinMode(pin: number, mode: number): void {
    const p = this.pins[pin];
    if (p) p.mode = mode;
  }
  analogRead(pin: string | number, cb: (v: number) => void): void {
    const channel = this.normalize(pin);
    this.reads.push(`A${channel}`);
    this.on(`analog-read-${channel}`, cb);
    const v = this.opts.values?.[`A${channel}`];
    if (v !== undefined) setImmediate(() => this.analog(channel, v));
  }
  digitalRead(pin: string | number, cb: (v: number) => void): void {
    const n = this.normalize(pin);
    this.reads.push(`D${n}`);
    this.on(`digital-read-${n}`, cb);
    const v = this.opts.values?.[`${n}`];
    if (v !== undefined) setImmediate(() => this.digital(n, v));
  }
  setSamplingInterval(): void {}
  reset(): void {}

  /** The board reports an analog reading on channel `channel`. */
  analog(channel: number, value: number): void {
    this.emit(`analog-read-${channel}`, value);
  }
  digital(pin: number, value: number): void {
    this.emit(`digital-read-${pin}`, value);
  }
}

export default TestIO;
