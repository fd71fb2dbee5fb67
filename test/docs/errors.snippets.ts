/* Code of docs/errors.md: compiled by `npm run typecheck` (both Nest majors), checked by test/readme.spec.ts. */
import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MessagingHttpExceptionFilter } from 'nestjs-messaging';

export function useHttpFilter(app: INestApplication): void {
  // #region http-filter
  app.useGlobalFilters(new MessagingHttpExceptionFilter(app.get(HttpAdapterHost)));
  // #endregion http-filter
}
