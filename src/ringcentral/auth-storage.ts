/**
 * The SDK keeps its auth data in a `localStorage`-like object, which in Node is lost at exit. This one
 * lives in memory for speed and writes every change through to the database, so a restarted process
 * reuses its session instead of logging in again.
 */
export class PersistentAuthStorage {
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly data: Record<string, string>,
    private readonly save: (data: Record<string, string>) => Promise<void>,
  ) {}

  getItem(key: string): string | null {
    return this.data[key] ?? null;
  }

  setItem(key: string, value: string): Promise<void> {
    this.data[key] = value;
    return this.flush();
  }

  removeItem(key: string): Promise<void> {
    delete this.data[key];
    return this.flush();
  }

  keys(): string[] {
    return Object.keys(this.data);
  }

  /** Writes in call order, so an older snapshot never overwrites a newer one. */
  private flush(): Promise<void> {
    const snapshot = { ...this.data };
    this.pending = this.pending.catch(() => undefined).then(() => this.save(snapshot));
    return this.pending;
  }
}
