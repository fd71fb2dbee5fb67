/* What the benchmarks' clients and servers share: patterns (objects: a string pattern costs Nest a failed JSON.parse per message), payload, contracts. */
import { IsArray, IsEmail, IsInt, IsString } from 'class-validator';
import * as v from 'valibot';
import { z } from 'zod';
import { defineMessage } from 'nestjs-messaging';

export const ECHO = { cmd: 'echo' };
export const EVENT = { cmd: 'bench_event' };
export const PAYLOAD = { id: 42, name: 'Sample User', email: 'user@example.com', tags: ['admin', 'math'] };

export class EchoDto {
  @IsInt() id!: number;
  @IsString() name!: string;
  @IsEmail() email!: string;
  @IsArray() @IsString({ each: true }) tags!: string[];
}

export const EchoContract = defineMessage({ pattern: { cmd: 'contract_echo' }, versions: { 1: EchoDto }, response: EchoDto });

/** EchoDto's checks as a zod 4 schema (unknown keys refused, as the DTO contract does). */
export const EchoZod = z.strictObject({ id: z.number().int(), name: z.string(), email: z.email(), tags: z.array(z.string()) });
export const EchoZodContract = defineMessage({ pattern: { cmd: 'contract_echo_zod' }, versions: { 1: EchoZod }, response: EchoZod });

/** EchoDto's checks as a valibot 1 schema. */
export const EchoValibot = v.strictObject({
  id: v.pipe(v.number(), v.integer()),
  name: v.string(),
  email: v.pipe(v.string(), v.email()),
  tags: v.array(v.string()),
});
export const EchoValibotContract = defineMessage({ pattern: { cmd: 'contract_echo_valibot' }, versions: { 1: EchoValibot }, response: EchoValibot });
