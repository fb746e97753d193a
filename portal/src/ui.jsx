// Small shared pieces: a table, an error line, a confirmation dialog, a ticking clock for ages.
import { useEffect, useRef, useState } from 'preact/hooks';

export function useNow(ms = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function ErrorLine({ error }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message}
      {error.hint ? <span class="hint"> — {error.hint}</span> : null}
    </p>
  );
}

/** rows: objects; columns: [key, label, render?]. */
export function Table({ rows, columns, empty = 'nothing here yet', label, rowKey }) {
  if (!rows?.length) return <p class="empty">{empty}</p>;
  return (
    <table aria-label={label}>
      <thead>
        <tr>{columns.map(([key, title]) => <th key={key} scope="col">{title}</th>)}</tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={rowKey ? rowKey(row) : i} data-row={rowKey ? rowKey(row) : undefined}>
            {columns.map(([key, , render]) => <td key={key}>{render ? render(row) : String(row[key] ?? '')}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A modal confirmation with the dry-run plan shown; Escape cancels, the confirm button has focus. */
export function Confirm({ title, plan, onConfirm, onCancel, busy }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    dialog?.querySelector('button.danger')?.focus();
  }, []);
  return (
    <dialog ref={ref} onCancel={(e) => { e.preventDefault(); onCancel(); }} aria-labelledby="confirm-title">
      <h2 id="confirm-title">{title}</h2>
      <p>Dry run — this is what would happen:</p>
      <pre class="plan">{JSON.stringify(plan, null, 2)}</pre>
      <div class="actions">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>Confirm</button>
      </div>
    </dialog>
  );
}

export function Section({ title, children, actions }) {
  return (
    <section>
      <header class="section-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
