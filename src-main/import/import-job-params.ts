import { z } from 'zod';

const path = z.string().trim().min(1).max(4096);

/** Parameters of the `import` job: which kind of source, where, and its label files. */
export const importParamsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('olives'), root: path, labels: path.optional(), clinical: path.optional() }).strict(),
  z.object({ kind: z.literal('folder'), root: path, labels: path.optional(), layout: z.enum(['auto', 'flat', 'classes']).optional() }).strict(),
  z.object({ kind: z.literal('dicom'), root: path }).strict(),
]);
export type ImportParams = z.infer<typeof importParamsSchema>;
