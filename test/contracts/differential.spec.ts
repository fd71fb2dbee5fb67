import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { inspectPayload } from '../../src/contract/payload-guard';
import { classCodecOf, transformPlanOf, type ClassCodec } from '../../src/contract/plan/class-codec';
import { transformWithPlan } from '../../src/contract/plan/transform-run';
import { FIXTURES, type Fixture } from './fixtures';
import { clone, generate, type PayloadKind } from './support/payloads';
import { Random, seedOf } from './support/random';
import { difference, referenceToDto } from './support/reference';
import { toDto } from '../../src/extend';

/*
 * The differential suite: for each fixture DTO, seeded payloads (valid,
 * near-valid, hostile) decoded by the plan (`toDto`) and by the reference
 * (class-transformer + class-validator, as toDto did before the plan). Both
 * must agree on valid/invalid, on every issue (path, constraint names,
 * messages, order), on the error message, and on the instance (deep, with
 * prototypes and key order); the plan's transformation alone must equal
 * plainToInstance. `npm test` runs 1,000 payloads per DTO; `npm run
 * test:contracts` 10,000 on class-validator 0.15 and 0.14.
 *
 * Replay one payload: CONTRACTS_DTO=OrderDto CONTRACTS_SEED=123 npx jest test/contracts/differential.spec.ts
 */
const COUNT = Number(process.env.CONTRACTS_PAYLOADS ?? 1000);
const ONLY = process.env.CONTRACTS_DTO;
const SEED = process.env.CONTRACTS_SEED === undefined ? undefined : Number(process.env.CONTRACTS_SEED);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VALIDATOR_VERSION = (require('class-validator/package.json') as { version: string }).version;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function outcome(run: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${String(error)}`;
  const details = (error as { details?: unknown }).details;
  return `${error.name}: ${error.message}${details === undefined ? '' : ` ${JSON.stringify(details)}`}`;
}

/** Where two outcomes differ, or `undefined`. */
function disagreement(plan: Outcome, reference: Outcome): string | undefined {
  if (plan.ok !== reference.ok) {
    return `plan ${plan.ok ? 'accepted' : `refused (${errorText((plan as { error: unknown }).error)})`}, reference ${reference.ok ? 'accepted' : `refused (${errorText((reference as { error: unknown }).error)})`}`;
  }
  if (plan.ok && reference.ok) return difference(plan.value, reference.value);
  const a = errorText((plan as { error: unknown }).error);
  const b = errorText((reference as { error: unknown }).error);
  return a === b ? undefined : `errors differ:\n  plan:      ${a}\n  reference: ${b}`;
}

function decision(codec: ClassCodec): Fixture['expected'] {
  return { transform: codec.transform ? 'plan' : 'class-transformer', validation: codec.validation ? 'plan' : 'class-validator' };
}

interface Row {
  dto: string;
  transform: string;
  validation: string;
  payloads: number;
  kinds: Record<PayloadKind, number>;
  validReject: number;
  validStrip: number;
  issues: number;
  agreements: number;
}

const rows: Row[] = [];
/** The library's debug lines: each class's decision, with the reason of a fallback. */
const debugLines: string[] = [];
jest.spyOn(Logger.prototype, 'debug').mockImplementation((message: unknown) => void debugLines.push(String(message)));

describe(`differential: plan vs class-transformer + class-validator ${VALIDATOR_VERSION}`, () => {
  afterAll(() => {
    if (!rows.length) return;
    const total = rows.reduce((n, r) => n + r.payloads, 0);
    const agreed = rows.reduce((n, r) => n + r.agreements, 0);
    const fallbacks = rows.filter((r) => r.transform !== 'plan' || r.validation !== 'plan').length;
    const lines = [
      `\nclass-validator ${VALIDATOR_VERSION}: ${rows.length} DTOs, ${total} payloads, ${agreed} agreements, ${fallbacks} DTOs with a fallback`,
      '| DTO | transformation | validation | payloads (valid/near/hostile) | valid reject/strip | issues compared | agreements |',
      '|---|---|---|---|---|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.dto} | ${r.transform} | ${r.validation} | ${r.payloads} (${r.kinds.valid}/${r.kinds['near-valid']}/${r.kinds.hostile}) | ${r.validReject}/${r.validStrip} | ${r.issues} | ${r.agreements} |`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const dir = join(__dirname, '../../.tmp');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `contracts-${VALIDATOR_VERSION}.json`), JSON.stringify({ version: VALIDATOR_VERSION, count: COUNT, rows }, null, 2));
  });

  for (const fixture of FIXTURES.filter((f) => !ONLY || f.name === ONLY)) {
    it(`${fixture.name}: ${SEED === undefined ? COUNT : 1} payloads agree`, async () => {
      const codec = classCodecOf(fixture.cls);
      expect(decision(codec)).toEqual(fixture.expected);
      const logged = debugLines.filter((line) => line.startsWith(`${fixture.name}: `));
      expect(logged).toHaveLength(1);
      if (fixture.expected.transform !== 'plan') expect(logged[0]).toMatch(/transformation by class-transformer \(.+\)/);
      if (fixture.expected.validation !== 'plan') expect(logged[0]).toMatch(/validation by class-validator \(.+\)/);
      const row: Row = {
        dto: fixture.name,
        ...decision(codec),
        payloads: 0,
        kinds: { valid: 0, 'near-valid': 0, hostile: 0 },
        validReject: 0,
        validStrip: 0,
        issues: 0,
        agreements: 0,
      };
      const count = SEED === undefined ? COUNT : 1;
      for (let i = 0; i < count; i++) {
        const seed = SEED ?? seedOf(`${fixture.name}:${i}`);
        const { kind, payload } = generate(fixture.valid, new Random(seed));
        const found = await compare(fixture, codec, payload, row);
        if (found) {
          throw new Error(
            `${fixture.name}, seed ${seed} (${kind}): ${found}\n` +
              `replay: CONTRACTS_DTO=${fixture.name} CONTRACTS_SEED=${seed} npx jest test/contracts/differential.spec.ts\n` +
              `payload: ${JSON.stringify(payload)?.slice(0, 2000)}`,
          );
        }
        row.payloads++;
        row.kinds[kind]++;
        row.agreements++;
      }
      // No plan met anything it had to hand over at run time.
      expect(decision(codec)).toEqual(fixture.expected);
      rows.push(row);
    });
  }
});

async function compare(fixture: Fixture, codec: ClassCodec, payload: unknown, row: Row): Promise<string | undefined> {
  const cls = fixture.cls;
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const inspection = inspectPayload(payload);
    if (!inspection.issue && inspection.plain && codec.transform) {
      const plan = await outcome(() => transformWithPlan(codec.transform!, clone(payload) as Record<string, unknown>, transformPlanOf));
      const reference = await outcome(() => plainToInstance(cls, clone(payload)));
      const found = disagreement(plan, reference);
      if (found) return `transformation: ${found}`;
    }
  }
  for (const mode of ['reject', 'strip'] as const) {
    const plan = await outcome(() => toDto(cls, clone(payload), 1, { unknownProperties: mode }));
    const reference = await outcome(() => referenceToDto(cls, clone(payload), mode === 'reject'));
    const found = disagreement(plan, reference);
    if (found) return `decode (${mode}): ${found}`;
    if (reference.ok) {
      if (mode === 'reject') row.validReject++;
      else row.validStrip++;
    } else {
      row.issues += ((reference.error as { details?: { issues?: unknown[] } }).details?.issues ?? []).length;
    }
  }
  return undefined;
}
