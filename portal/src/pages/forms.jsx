// A form generated from a command's request schema in /openapi.json, so the portal offers exactly the
// options this server's `cm` has (new cloud options appear without a portal release). Values start from
// the user's defaults where a default of the same name exists.
import { useState } from 'preact/hooks';

export function SchemaForm({ id, schema, defaults = {}, submitLabel, onSubmit, busy, skip = [] }) {
  const fields = Object.entries(schema?.properties ?? {}).filter(([name]) => name !== 'dryRun' && !skip.includes(name));
  const [values, setValues] = useState(() => Object.fromEntries(fields.map(([name, s]) => [name, defaults[name] ?? (s.default ?? '')])));
  const set = (name, value) => setValues((v) => ({ ...v, [name]: value }));
  const submit = (event) => {
    event.preventDefault();
    const out = {};
    for (const [name, s] of fields) {
      const value = values[name];
      if (value === '' || value === undefined || value === false) continue;
      if (s.type === 'number') out[name] = Number(value);
      else if (s.type === 'array') out[name] = String(value).split(/[\s,]+/).filter(Boolean);
      else out[name] = value;
    }
    onSubmit(out);
  };
  const required = new Set(schema?.required ?? []);
  return (
    <form id={id} class="grid-form" onSubmit={submit}>
      {fields.map(([name, s]) => {
        const fieldId = `${id}-${name}`;
        const label = (
          <label for={fieldId} title={s.description}>
            {name}
            {required.has(name) ? ' *' : ''}
          </label>
        );
        if (s.type === 'boolean') {
          return (
            <div class="check" key={name}>
              <input id={fieldId} type="checkbox" checked={!!values[name]} onChange={(e) => set(name, e.currentTarget.checked)} />
              {label}
            </div>
          );
        }
        const choices = s.enum ?? s.items?.enum;
        return (
          <div key={name}>
            {label}
            {choices ? (
              <select id={fieldId} value={values[name]} onChange={(e) => set(name, e.currentTarget.value)}>
                <option value="">—</option>
                {choices.map((c) => <option key={c}>{c}</option>)}
              </select>
            ) : (
              <input id={fieldId} type={s.type === 'number' ? 'number' : 'text'} value={values[name]} required={required.has(name)} placeholder={s.description} onInput={(e) => set(name, e.currentTarget.value)} />
            )}
          </div>
        );
      })}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{submitLabel}</button>
      </div>
    </form>
  );
}
