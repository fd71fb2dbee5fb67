/*
 * Pairs of contract sets, before and after a change, one per kind of change
 * the contract diff knows: each becomes two AsyncAPI documents (of an app that
 * handles `receive` and whose client sends `send`) and the expected verdict.
 */
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, ValidateNested } from 'class-validator';
import * as v from 'valibot';
import { z } from 'zod';
import { defineEvent, defineMessage } from '../../src';
import type { ContractChangeKind } from '../../src/asyncapi';
import { type AnyContract, type ClientContract } from '../../src/extend';

/** One side of a pair: what the app handles and what its client sends. */
export interface Side {
  readonly receive: readonly AnyContract[];
  readonly send?: readonly ClientContract[];
}

/** A pair of sides, and what the diff must say. */
export interface DiffPair {
  readonly name: string;
  readonly before: Side;
  readonly after: Side;
  readonly breaking: boolean;
  /** The kinds the diff must report (exactly these, in any order). */
  readonly kinds: readonly ContractChangeKind[];
}

class OptionalName { @IsOptional() @IsString() name?: string; }
class RequiredName { @IsString() name!: string; }
class GetUserV1 { @IsInt() userId!: number; }
class GetUserV2 { @IsInt() id!: number; }
class UserDto { @IsInt() id!: number; @IsString() name!: string; @IsIn(['active', 'banned']) status!: string; }
class UserDtoMoreStatuses { @IsInt() id!: number; @IsString() name!: string; @IsIn(['active', 'banned', 'deleted']) status!: string; }
class UserDtoNoName { @IsInt() id!: number; @IsIn(['active', 'banned']) status!: string; }

const getUser = (response: new () => object = UserDto) => defineMessage({ pattern: { cmd: 'get_user' }, versions: { 1: GetUserV1, 2: GetUserV2 }, upcast: { 1: (p: GetUserV1) => ({ id: p.userId }) }, response });
const GetUser = getUser();
const GetUserV2Only = defineMessage({ pattern: { cmd: 'get_user' }, versions: { 2: GetUserV2 }, response: UserDto });

class AddressDto { @IsString() zip!: string; }
class AddressWithCountry { @IsString() zip!: string; @IsString() country!: string; }
class CreateUserV1 { @IsString() name!: string; @ValidateNested() @Type(() => AddressDto) address!: AddressDto; }
class CreateUserV1NestedRequired { @IsString() name!: string; @ValidateNested() @Type(() => AddressWithCountry) address!: AddressWithCountry; }
const createUser = (v1: new () => object) => defineMessage({ pattern: { cmd: 'create_user' }, versions: { 1: v1 }, response: UserDto });

const Shipped = (schema: v.GenericSchema) => defineEvent({ pattern: { event: 'order_shipped' }, versions: { 1: schema } });
const shippedV1 = v.object({ orderId: v.string(), carrier: v.picklist(['dhl', 'ups']) });

const order = (schema: z.ZodType) => defineMessage({ pattern: { cmd: 'create_order' }, versions: { 1: schema }, response: z.object({ orderId: z.string() }) });
const orderV1 = z.object({ sku: z.string(), qty: z.number() });

export const DIFF_PAIRS: readonly DiffPair[] = [
  {
    name: 'no change',
    before: { receive: [GetUser], send: [GetUser] },
    after: { receive: [GetUser], send: [GetUser] },
    breaking: false,
    kinds: [],
  },
  {
    name: 'a version removed while a client still sends it',
    before: { receive: [GetUser], send: [{ contract: GetUser, versions: [1] }] },
    after: { receive: [GetUserV2Only], send: [{ contract: GetUser, versions: [1] }] },
    breaking: true,
    kinds: ['version-removed'],
  },
  {
    name: 'a version removed that no client sends any more',
    before: { receive: [GetUser], send: [{ contract: GetUser, versions: [1, 2] }] },
    after: { receive: [GetUserV2Only], send: [GetUserV2Only] },
    breaking: false,
    kinds: ['version-removed-unsent'],
  },
  {
    name: 'a required field added to a published version (DTO, nested)',
    before: { receive: [createUser(CreateUserV1)] },
    after: { receive: [createUser(CreateUserV1NestedRequired)] },
    breaking: true,
    kinds: ['required-field-added'],
  },
  {
    name: 'a new version with an upcaster (its new required field is not breaking)',
    before: { receive: [defineMessage({ pattern: { cmd: 'get_user' }, versions: { 1: GetUserV1 }, response: UserDto })] },
    after: { receive: [GetUser] },
    breaking: false,
    kinds: ['version-added'],
  },
  {
    name: 'a new optional field (zod)',
    before: { receive: [order(orderV1)] },
    after: { receive: [order(orderV1.extend({ note: z.string().optional() }))] },
    breaking: false,
    kinds: ['optional-field-added'],
  },
  {
    name: 'a field removed (zod)',
    before: { receive: [order(orderV1)] },
    after: { receive: [order(z.object({ sku: z.string() }))] },
    breaking: true,
    kinds: ['field-removed'],
  },
  {
    name: "a field's type narrowed: number to integer (zod)",
    before: { receive: [order(orderV1)] },
    after: { receive: [order(z.object({ sku: z.string(), qty: z.number().int() }))] },
    breaking: true,
    kinds: ['type-narrowed'],
  },
  {
    name: "a field's type widened: string to string | null (zod)",
    before: { receive: [order(orderV1)] },
    after: { receive: [order(z.object({ sku: z.string().nullable(), qty: z.number() }))] },
    breaking: false,
    kinds: ['type-widened'],
  },
  {
    name: 'an enum value removed from an accepted payload (valibot)',
    before: { receive: [Shipped(shippedV1)] },
    after: { receive: [Shipped(v.object({ orderId: v.string(), carrier: v.picklist(['dhl']) }))] },
    breaking: true,
    kinds: ['enum-value-removed'],
  },
  {
    name: 'an enum value added to an accepted payload (valibot)',
    before: { receive: [Shipped(shippedV1)] },
    after: { receive: [Shipped(v.object({ orderId: v.string(), carrier: v.picklist(['dhl', 'ups', 'fedex']) }))] },
    breaking: false,
    kinds: ['enum-value-added'],
  },
  {
    name: 'an enum value added to a response',
    before: { receive: [GetUser] },
    after: { receive: [getUser(UserDtoMoreStatuses)] },
    breaking: true,
    kinds: ['response-enum-value-added'],
  },
  {
    name: 'a response field removed',
    before: { receive: [GetUser] },
    after: { receive: [getUser(UserDtoNoName)] },
    breaking: true,
    kinds: ['response-field-removed'],
  },
  {
    name: 'a pattern renamed',
    before: { receive: [Shipped(shippedV1)] },
    after: { receive: [defineEvent({ pattern: { event: 'order_dispatched' }, versions: { 1: shippedV1 } })] },
    breaking: true,
    kinds: ['pattern-renamed'],
  },
  {
    name: 'a new pattern',
    before: { receive: [GetUser] },
    after: { receive: [GetUser, Shipped(shippedV1)] },
    breaking: false,
    kinds: ['pattern-added'],
  },
  {
    name: 'an optional field made required (DTO)',
    before: { receive: [defineMessage({ pattern: { cmd: 'find' }, versions: { 1: OptionalName } })] },
    after: { receive: [defineMessage({ pattern: { cmd: 'find' }, versions: { 1: RequiredName } })] },
    breaking: true,
    kinds: ['field-now-required'],
  },
];
