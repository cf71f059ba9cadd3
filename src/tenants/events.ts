// Change notifications for caches elsewhere (the broker drops cached AWS credentials at
// once when a tenant or user is disabled, instead of waiting for them to expire). A user
// whose email changes or who is re-enabled or deleted (SCIM) is forgotten the same way.
export type ChangeEvent =
  | { type: 'tenant_disabled' | 'tenant_updated'; tenantId: string }
  | { type: 'user_disabled' | 'user_updated' | 'user_deleted'; tenantId: string; userId: string };

export type OnChange = (event: ChangeEvent) => void;

/** Calls the listener after the change is committed; a failing listener cannot undo or fail the change. */
export function notify(onChange: OnChange | undefined, event: ChangeEvent): void {
  if (!onChange) return;
  try {
    onChange(event);
  } catch {
    // The listener owns its errors; the admin operation has already succeeded.
  }
}
