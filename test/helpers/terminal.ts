import { Writable } from 'node:stream';

/** A stand-in for a terminal: a Writable that says it is a TTY of `columns` columns and keeps every write. */
export class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly writes: string[] = [];
  constructor(readonly columns = 120) {
    super({ decodeStrings: false });
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, done: () => void): void {
    this.writes.push(String(chunk));
    done();
  }
  get output(): string {
    return this.writes.join('');
  }
}

/**
 * What a terminal shows after `output`: the lines ended by a newline, and the line the cursor is on.
 * Understands what the console writes (carriage return, erase line, erase to end of line, cursor to a
 * column); colours are dropped. Any other escape sequence fails the test, so nothing goes unchecked.
 */
export function replayTerminal(output: string): { lines: string[]; current: string } {
  const lines: string[] = [];
  let line = '';
  let col = 0;
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    if (ch === '\x1b') {
      const match = /^\x1b\[(\d*)([A-Za-z])/.exec(output.slice(i));
      if (!match) throw new Error(`unexpected escape sequence at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      const [seq, n, cmd] = match;
      if (cmd === 'm') {
        // colour: shows nothing
      } else if (cmd === 'K' && (n === '' || n === '0')) line = line.slice(0, col);
      else if (cmd === 'K' && n === '2') line = '';
      else if (cmd === 'G') col = Math.max(0, Number(n || '1') - 1);
      else throw new Error(`unexpected escape sequence ${JSON.stringify(seq)}`);
      i += seq!.length - 1;
    } else if (ch === '\r') col = 0;
    else if (ch === '\n') {
      lines.push(line);
      line = '';
      col = 0;
    } else {
      line = line.padEnd(col).slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
  }
  return { lines, current: line };
}
