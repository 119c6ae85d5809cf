import type { Clock } from '../../src/ringcentral/rate-budget.ts';

/** A clock whose sleeps advance virtual time at once, recording each wait. */
export class FakeClock implements Clock {
  waits: number[] = [];
  constructor(public time = 1_000_000) {}
  now = () => this.time;
  sleep = async (ms: number) => {
    this.waits.push(ms);
    this.time += ms;
  };
}
