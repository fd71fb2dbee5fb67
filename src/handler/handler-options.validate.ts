import type { MessagingHandlerOptions } from './handler.options';

/**
 * Checks handler options (a server's `handlers` or a decorator's); returns a
 * list of problems, each saying what to do.
 * @internal
 */
export function checkHandlerOptions(where: string, options: MessagingHandlerOptions | undefined): string[] {
  if (options === undefined) return [];
  if (options === null || typeof options !== 'object') return [`${where} are ${String(options)}: give an object`];
  const problems: string[] = [];
  const max = options.maxPayloadSize;
  if (max !== undefined && max !== false && !(Number.isInteger(max) && max > 0)) {
    problems.push(`${where} have maxPayloadSize ${String(max)}: give a whole number of bytes > 0 (or false for none)`);
  }
  if (options.unknownProperties !== undefined && options.unknownProperties !== 'reject' && options.unknownProperties !== 'strip') {
    problems.push(`${where} have unknownProperties ${String(options.unknownProperties)}: give 'reject' or 'strip'`);
  }
  if (options.exposeErrors !== undefined && typeof options.exposeErrors !== 'boolean') {
    problems.push(`${where} have exposeErrors ${String(options.exposeErrors)}: give true or false`);
  }
  if (options.invalidEvents !== undefined && options.invalidEvents !== 'dead-letter' && options.invalidEvents !== 'drop') {
    problems.push(`${where} have invalidEvents ${String(options.invalidEvents)}: give 'dead-letter' or 'drop'`);
  }
  const d = options.dedupe;
  if (d !== undefined && typeof d !== 'boolean') {
    if (d === null || typeof d !== 'object') {
      problems.push(`${where} have dedupe ${String(d)}: give true, false or { window, store }`);
    } else {
      if (d.window !== undefined && !(typeof d.window === 'number' && Number.isFinite(d.window) && d.window > 0)) {
        problems.push(`${where} have dedupe.window ${String(d.window)}: give a positive number of milliseconds`);
      }
      for (const key of ['lease', 'claimTimeout'] as const) {
        const v = d[key];
        if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
          problems.push(`${where} have dedupe.${key} ${String(v)}: give a positive number of milliseconds`);
        }
      }
      if (
        d.store !== undefined &&
        (typeof d.store?.claim !== 'function' || typeof d.store?.complete !== 'function' || typeof d.store?.release !== 'function')
      ) {
        problems.push(`${where} have a dedupe.store without claim(), complete() and release(): give a DedupeStore (MemoryDedupeStore, RedisDedupeStore)`);
      }
    }
  }
  return problems;
}
