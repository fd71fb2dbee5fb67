/*
 * npm run bench:validation — what a contract costs per message on the handler side,
 * without a network: class-transformer, class-validator, and the library's
 * decodePayload (both, plus its safety checks and upcasting), on the benchmark's
 * 4-field DTO and a 2-version contract. Median of 5 rounds, in microseconds.
 */
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsInt, IsString, Min, validate } from 'class-validator';
import { decodePayload, defineMessage } from 'nestjs-messaging';
import { EchoContract, EchoDto } from './contracts';

class V1 {
  @IsInt() @Min(1) userId!: number;
}
class V2 {
  @IsInt() @Min(1) id!: number;
  @IsString() name!: string;
}
const Versioned = defineMessage({ pattern: { cmd: 'v' }, versions: { 1: V1, 2: V2 }, upcast: { 1: (v1: V1) => ({ id: v1.userId, name: 'n' }) } });

const PAYLOAD = { id: 42, name: 'Sample User', email: 'user@example.com', tags: ['admin', 'math'] };
const N = Number(process.env.VALIDATION_CALLS ?? 20_000);

async function measure(fn: () => unknown | Promise<unknown>): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t = performance.now();
    for (let i = 0; i < N; i++) await fn();
    if (r > 0) rounds.push(((performance.now() - t) * 1000) / N); // round 0 warms up
  }
  return rounds.sort((a, b) => a - b)[rounds.length >> 1]!;
}

async function main(): Promise<void> {
  const cases: Array<[string, () => unknown]> = [
    ['class-transformer plainToInstance (EchoDto, 4 fields)', () => plainToInstance(EchoDto, PAYLOAD)],
    ['class-validator validate (EchoDto)', () => validate(Object.assign(new EchoDto(), PAYLOAD), { whitelist: true, forbidNonWhitelisted: true })],
    ['decodePayload (EchoContract, current version)', () => decodePayload(EchoContract, PAYLOAD, 1)],
    ['decodePayload (2 versions, v2 as sent)', () => decodePayload(Versioned, { id: 7, name: 'n' }, 2)],
    ['decodePayload (2 versions, v1 upcast to v2)', () => decodePayload(Versioned, { userId: 7 }, 1)],
  ];
  console.log(`| per message, ${N} calls x 5 rounds (median) | µs |\n|---|---:|`);
  for (const [name, fn] of cases) console.log(`| ${name} | ${(await measure(fn)).toFixed(2)} |`);
}

void main();
