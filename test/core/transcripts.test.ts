import { describe, expect, it } from 'vitest';
import { PENDING_GIVE_UP_MS, fitTranscript, recheckAfterMs, transcriptionPhase, type TranscriptionPhase } from '../../src/core/transcripts.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('transcriptionPhase: what callsync does for each vmTranscriptionStatus', () => {
  const rows: Array<[string | null, TranscriptionPhase]> = [
    ['Completed', 'complete'],
    ['CompletedPartially', 'complete'],
    ['InProgress', 'pending'],
    ['Unknown', 'pending'],
    ['NotAvailable', 'final-without-text'],
    ['Failed', 'final-without-text'],
    ['TimedOut', 'final-without-text'],
    [null, 'final-without-text'],
    ['SomethingNew', 'final-without-text'],
  ];
  it.each(rows)('%s → %s', (status, phase) => {
    expect(transcriptionPhase(status)).toBe(phase);
  });
});

describe('recheckAfterMs: a pending transcription is asked about soon, then more rarely, then not at all', () => {
  const created = new Date(Date.UTC(2026, 10, 20, 9));
  const after = (ms: number) => recheckAfterMs(created, new Date(created.getTime() + ms));
  it('waits 2 minutes while the voicemail is young', () => {
    expect(after(30_000)).toBe(2 * MINUTE);
    expect(after(8 * MINUTE)).toBe(2 * MINUTE);
  });
  it('waits a quarter of its age in between', () => {
    expect(after(HOUR)).toBe(15 * MINUTE);
  });
  it('waits at most 2 hours', () => {
    expect(after(20 * HOUR)).toBe(2 * HOUR);
  });
  it('gives up a day after creation', () => {
    expect(after(PENDING_GIVE_UP_MS - 1)).toBe(2 * HOUR);
    expect(after(PENDING_GIVE_UP_MS)).toBeUndefined();
  });
});

describe('fitTranscript', () => {
  it('keeps a transcript of ordinary size whole, trimmed', () => {
    expect(fitTranscript('  Hi, please call me back.\n')).toEqual({ text: 'Hi, please call me back.', byteLength: 27, truncated: false });
  });
  it('keeps a transcript of exactly the cap whole', () => {
    expect(fitTranscript('a'.repeat(16), 16)).toEqual({ text: 'a'.repeat(16), byteLength: 16, truncated: false });
  });
  it('cuts a larger one at the cap and says so at its end', () => {
    const fitted = fitTranscript('word '.repeat(10), 12);
    expect(fitted.truncated).toBe(true);
    expect(fitted.byteLength).toBe(50);
    expect(fitted.text).toBe('word word wo\n[Transcript truncated by callsync: the first 12 of 50 bytes are shown.]');
  });
  it('never splits a character: a cut inside a multi-byte one drops it', () => {
    // "é" is 2 bytes in UTF-8: the cap falls in the middle of the third.
    const fitted = fitTranscript('ééé', 5);
    expect(fitted.text.split('\n')[0]).toBe('éé');
    expect(fitted.text).not.toContain('\uFFFD');
  });
});
