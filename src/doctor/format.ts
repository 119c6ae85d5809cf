import { RATE_GROUPS } from '../ringcentral/rate-budget.ts';
import type { CheckStatus, DoctorReport } from './types.ts';

const LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** The report as a table (one line per check), then the fixes, the requests it cost, and the verdict. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  const user = report.user ? `, JWT user ${report.user.name ?? '?'} (extension ${report.user.extensionNumber ?? '?'}, id ${report.user.id})` : '';
  lines.push(`callsync doctor: ${report.serverUrl}${report.demo ? ' (demo: the built-in simulator)' : ''}${user}`);
  lines.push('');
  const nameWidth = Math.max(5, ...report.checks.map((c) => c.name.length));
  lines.push(`   ${'check'.padEnd(nameWidth)}  status  found`);
  report.checks.forEach((c, i) => {
    lines.push(`${String(i + 1).padStart(2)} ${c.name.padEnd(nameWidth)}  ${LABEL[c.status].padEnd(6)}  ${c.found}`);
  });
  const fixes = report.checks.map((c, i) => ({ c, n: i + 1 })).filter(({ c }) => c.fix && (c.status === 'warn' || c.status === 'fail'));
  if (fixes.length > 0) {
    lines.push('', 'fixes:');
    for (const { c, n } of fixes) lines.push(`${String(n).padStart(2)} ${LABEL[c.status]} ${c.name}${c.errorCode ? ` [${c.errorCode}]` : ''}: ${c.fix}`);
  }
  const requests = RATE_GROUPS.map((g) => `${g} ${report.requests[g]}`).join(', ');
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push('', `requests: ${requests}; 429s ${report.rateLimited}`);
  lines.push(failed > 0
    ? `result: ${failed} failed, ${warned} warning${warned === 1 ? '' : 's'}: callsync cannot do all it should until the fixes above are made`
    : `result: nothing failed${warned > 0 ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}`);
  return `${lines.join('\n')}\n`;
}
