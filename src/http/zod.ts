/**
 * zod, extended once with `.openapi()` so every schema can carry its own documentation. Modules
 * under http/ import `z` from here, which guarantees the extension ran before any schema is built.
 * @module
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
