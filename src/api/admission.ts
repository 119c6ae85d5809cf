/**
 * Which requests may run now. Every API key may have at most `perKey` requests running and `queuedPerKey`
 * waiting; all keys together at most `total` running (the pool size: a running request reads through one
 * connection at a time). A freed place goes to the waiting key served least recently (round robin), so a
 * key that floods the API waits behind its own requests, not in front of everyone else's.
 *
 * Pure bookkeeping: no clock, no I/O. The HTTP answers (429, 503) are request-guard.ts's.
 */

export interface AdmissionLimits {
  /** Requests running at once, all keys together. */
  total: number;
  /** Requests of one key running at once; below `total`, so one key can never take every connection. */
  perKey: number;
  /** Requests of one key waiting for a place; past that, refused. */
  queuedPerKey: number;
}

/** A place to run: call release() once the request is done (more calls do nothing). */
export interface Admitted {
  release(): void;
}

/** The key already has `perKey` requests running and `queuedPerKey` waiting. */
export interface Refused {
  refused: 'queue-full';
  running: number;
  queued: number;
  limits: AdmissionLimits;
}

export interface AdmissionSnapshot {
  running: number;
  queued: number;
  keys: Record<string, { running: number; queued: number }>;
}

export interface Admission {
  /**
   * A place for a request of `key`: at once when one is free, later when its turn comes, or a refusal at
   * once when the key's queue is full. Rejects with the signal's reason if `signal` aborts while waiting.
   */
  enter(key: string, signal?: AbortSignal): Promise<Admitted | Refused>;
  snapshot(): AdmissionSnapshot;
}

interface Waiting {
  admit(admitted: Admitted): void;
}

interface KeyState {
  running: number;
  queue: Waiting[];
  /** When the key was last given a place (a count of places given): the lowest waiting key goes next. */
  served: number;
}

/** Validates the limits and returns an empty admission. */
export function createAdmission(limits: AdmissionLimits): Admission {
  const { total, perKey, queuedPerKey } = limits;
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`total must be a whole number of at least 1 (got ${total})`);
  if (!Number.isInteger(perKey) || perKey < 1) throw new RangeError(`perKey must be a whole number of at least 1 (got ${perKey})`);
  if (!Number.isInteger(queuedPerKey) || queuedPerKey < 0) throw new RangeError(`queuedPerKey must be a whole number of at least 0 (got ${queuedPerKey})`);
  const keys = new Map<string, KeyState>();
  let running = 0;
  let given = 0;

  const stateOf = (key: string) => {
    let state = keys.get(key);
    if (!state) keys.set(key, (state = { running: 0, queue: [], served: 0 }));
    return state;
  };
  const forgetIfIdle = (key: string, state: KeyState) => {
    if (state.running === 0 && state.queue.length === 0) keys.delete(key);
  };

  const place = (key: string, state: KeyState): Admitted => {
    running++;
    state.running++;
    state.served = ++given;
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        running--;
        state.running--;
        forgetIfIdle(key, state);
        dispatch();
      },
    };
  };

  /** Gives free places to waiting requests, each to the waiting key served least recently. */
  const dispatch = () => {
    while (running < total) {
      let next: [string, KeyState] | undefined;
      for (const entry of keys) {
        const state = entry[1];
        if (state.queue.length > 0 && state.running < perKey && (!next || state.served < next[1].served)) next = entry;
      }
      if (!next) return;
      const [key, state] = next;
      state.queue.shift()!.admit(place(key, state));
    }
  };

  return {
    enter(key, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const state = stateOf(key);
      // Nobody of this key is waiting, so no one it could overtake: any waiter of another key that a free
      // place could serve was given it when the place came free.
      if (state.queue.length === 0 && state.running < perKey && running < total) return Promise.resolve(place(key, state));
      if (state.queue.length >= queuedPerKey) {
        forgetIfIdle(key, state);
        return Promise.resolve({ refused: 'queue-full', running: state.running, queued: state.queue.length, limits });
      }
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          state.queue.splice(state.queue.indexOf(waiting), 1);
          forgetIfIdle(key, state);
          reject(signal!.reason);
        };
        const waiting: Waiting = {
          admit(admitted) {
            signal?.removeEventListener('abort', onAbort);
            resolve(admitted);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        state.queue.push(waiting);
      });
    },
    snapshot() {
      const perKeyState: AdmissionSnapshot['keys'] = {};
      let queued = 0;
      for (const [key, state] of keys) {
        perKeyState[key] = { running: state.running, queued: state.queue.length };
        queued += state.queue.length;
      }
      return { running, queued, keys: perKeyState };
    },
  };
}
