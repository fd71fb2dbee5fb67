import 'reflect-metadata';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import * as v from 'valibot';
import { z } from 'zod';
import type { StandardSchemaV1 } from '../contract/standard-schema';
import { CreateOrder } from '../../test/fixtures/schema.contracts';
import { CreateUserV1, GetUser } from '../../test/fixtures/users.contracts';
import { contractJsonSchemas, jsonSchemaOf } from './json-schema';
import { SchemaConversionError } from './schema-conversion.error';

describe('JSON Schema of contract versions', () => {
  it('a DTO class with a nested DTO (@Type): the nested class in definitions', () => {
    expect(jsonSchemaOf(CreateUserV1)).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        email: { type: 'string', format: 'email' },
        address: { $ref: '#/definitions/AddressDto' },
      },
      required: ['name', 'email', 'address'],
      definitions: { AddressDto: { type: 'object', properties: { zip: { type: 'string' }, city: { type: 'string' } }, required: ['zip', 'city'] } },
    });
  });

  it('every version of a contract and its response; Standard Schemas by their own converters (input side)', () => {
    const users = contractJsonSchemas(GetUser);
    expect(Object.keys(users.versions)).toEqual(['1', '2']);
    expect(users.response).toMatchObject({ required: ['id', 'name'] });
    const orders = contractJsonSchemas(CreateOrder);
    expect(orders.versions[1]).toEqual({
      type: 'object',
      properties: { fullName: { type: 'string', minLength: 1 }, qty: { type: 'integer' } },
      required: ['fullName', 'qty'],
    });
    expect(orders.versions[2]).not.toHaveProperty('$schema');
    expect((orders.versions[2] as { required: string[] }).required).toEqual(['customer', 'sku']); // qty has a default: optional on input
  });

  it('a recursive zod schema keeps its definitions', () => {
    interface Node { name: string; children: Node[] }
    const NodeSchema: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(NodeSchema) }));
    const schema = jsonSchemaOf(z.object({ root: NodeSchema }));
    expect(JSON.stringify(schema)).toMatch(/"\$ref":"#(\/definitions\/[^"]+)?"/);
  });

  it('a schema that cannot be converted: an error that names the contract, the version, the library and the cause', () => {
    const convert = (s: StandardSchemaV1) => () => jsonSchemaOf(s);
    expect(convert(v.object({ at: v.date() }))).toThrow(/the valibot schema cannot be converted to JSON Schema by valibot's converter: The "date" schema cannot be converted/);
    const unknownVendor: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'homegrown', validate: (value) => ({ value }) } };
    expect(convert(unknownVendor)).toThrow(new SchemaConversionError(
      "schemas of 'homegrown' have no JSON Schema converter that nestjs-messaging knows: it uses ~standard.jsonSchema (Standard JSON Schema), zod's toJSONSchema or @valibot/to-json-schema",
      'homegrown',
    ));
  });

  it('@ValidateNested() on an array without @Type: an error saying what to add', () => {
    class Line { @IsString() sku!: string; }
    class Order { @IsInt() id!: number; @ValidateNested() lines!: Line[]; }
    expect(() => jsonSchemaOf(Order)).toThrow(
      'Order.lines has @ValidateNested() but names no DTO class (its design type is Array): add @Type(() => ItsClass), as class-transformer needs it to build the nested instances too',
    );
  });
});
