/* The contract of the benchmark's validated row, shared by its server and client. */
import { IsArray, IsEmail, IsInt, IsString } from 'class-validator';
import { defineMessage } from 'nestjs-messaging';

export class EchoDto {
  @IsInt() id!: number;
  @IsString() name!: string;
  @IsEmail() email!: string;
  @IsArray() @IsString({ each: true }) tags!: string[];
}

export const EchoContract = defineMessage({ pattern: { cmd: 'contract_echo' }, versions: { 1: EchoDto }, response: EchoDto });
