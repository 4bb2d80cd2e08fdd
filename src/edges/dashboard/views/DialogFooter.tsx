import type { ComponentChildren } from 'preact';

interface DialogFooterProps {
  error: string | null;
  busy: boolean;
  /** The submit button's look: `primary` for a creation, `danger` for what stops a worker. */
  tone: 'primary' | 'danger';
  onCancel: () => void;
  children: ComponentChildren;
}

/** The error line and the Cancel / submit pair every form dialog ends with. */
export function DialogFooter({ error, busy, tone, onCancel, children }: DialogFooterProps) {
  return (
    <>
      {error && (
        <p class="notice" role="alert">
          {error}
        </p>
      )}
      <div class="dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" class={tone} disabled={busy}>
          {children}
        </button>
      </div>
    </>
  );
}
