// The only module that constructs the Prisma client. The pg driver adapter lets Prisma
// run with its WASM query compiler: no native engine download.
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from './generated/client.js';

export type Db = PrismaClient;
export { Prisma } from './generated/client.js';

export function poolConfig(databaseUrl: string) {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1) || 'postgres'),
    max: Number(url.searchParams.get('connection_limit') ?? 10),
    // Managed databases usually require TLS; verify-full also checks the certificate.
    ...(['require', 'verify-ca', 'verify-full'].includes(url.searchParams.get('sslmode') ?? '')
      ? { ssl: { rejectUnauthorized: url.searchParams.get('sslmode') !== 'require' } }
      : {}),
  };
}

/** A unique constraint refused the write (Prisma P2002). */
export const isUniqueViolation = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** The row to update or delete does not exist (Prisma P2025). */
export const isNotFound = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg(poolConfig(databaseUrl)) });
}
