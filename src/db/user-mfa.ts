// The user_mfa table (src/accounts/mfa.ts, and the administrators' reset and status in
// src/accounts/users.ts). One row mapper, toUserMfaRecord. Every change that must not race
// (enrolment, confirmation, an accepted code) is one conditional statement, so two requests
// at once cannot both succeed.
import type { Selectable } from 'kysely';
import type { UserMfaRecord } from '../accounts/types.js';
import type { Database } from './database.js';
import type { UserMfa } from './generated/kysely.js';

export function toUserMfaRecord(r: Selectable<UserMfa>): UserMfaRecord {
  return {
    userId: r.user_id,
    totpSecretEnc: r.totp_secret_enc,
    confirmedAt: r.confirmed_at,
    // BIGINT arrives from pg as a string.
    lastStep: r.last_step === null ? null : BigInt(r.last_step),
    recoveryCodes: r.recovery_codes ?? [],
    createdAt: r.created_at,
  };
}

export function userMfaQueries(db: Database) {
  return {
    async get(userId: string): Promise<UserMfaRecord | null> {
      const r = await db.selectFrom('user_mfa').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return r ? toUserMfaRecord(r) : null;
    },
    /** A new unconfirmed enrolment, unless the user has a row already (then nothing happens). */
    async createIfAbsent(userId: string, totpSecretEnc: string, at: Date): Promise<void> {
      await db
        .insertInto('user_mfa')
        .values({ user_id: userId, totp_secret_enc: totpSecretEnc, created_at: at })
        .onConflict((oc) => oc.column('user_id').doNothing())
        .execute();
    },
    /** Replaces an unconfirmed enrolment's secret if it is still `expectedEnc`; whether it did. */
    async replaceUnconfirmedSecret(userId: string, expectedEnc: string, totpSecretEnc: string, at: Date): Promise<boolean> {
      const r = await db
        .updateTable('user_mfa')
        .set({ totp_secret_enc: totpSecretEnc, created_at: at })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is', null)
        .where('totp_secret_enc', '=', expectedEnc)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },
    /** Confirms the enrolment that still holds `expectedEnc` (recovery codes already hashed); whether it did. */
    async confirm(userId: string, expectedEnc: string, c: { at: Date; step: number; recoveryCodes: string[] }): Promise<boolean> {
      const r = await db
        .updateTable('user_mfa')
        .set({ confirmed_at: c.at, last_step: String(c.step), recovery_codes: c.recoveryCodes })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is', null)
        .where('totp_secret_enc', '=', expectedEnc)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    /** Records `step` as used if it is later than the last accepted one (confirmed only); whether it was. */
    async acceptStep(userId: string, step: number): Promise<boolean> {
      const r = await db
        .updateTable('user_mfa')
        .set({ last_step: String(step) })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', String(step))]))
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    /** Removes one recovery code (its hash) if the confirmed enrolment still holds it: single use under concurrency. */
    async consumeRecoveryCode(userId: string, hash: string): Promise<boolean> {
      const r = await db
        .updateTable('user_mfa')
        .set((eb) => ({ recovery_codes: eb.fn<string[]>('array_remove', ['recovery_codes', eb.val(hash)]) }))
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .where((eb) => eb(eb.val(hash), '=', eb.fn.any('recovery_codes')))
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    /** Deletes the user's authenticator and recovery codes; whether there was one. */
    async remove(userId: string): Promise<boolean> {
      return (await db.deleteFrom('user_mfa').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows > 0n;
    },
  };
}
