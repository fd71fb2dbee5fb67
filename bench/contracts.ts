/* What the benchmark's clients and servers share: patterns (objects: a string pattern costs Nest a failed JSON.parse per message), payload, contract. */
import { IsArray, IsEmail, IsInt, IsString } from 'class-validator';
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
