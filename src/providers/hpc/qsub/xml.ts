/**
 * @module providers/hpc/qsub/xml
 * A small reader for the XML that Grid Engine (`qstat -xml`, `qhost -xml`) and Torque (`qstat -f -x`,
 * `pbsnodes -x`) print: elements, attributes, text and the five predefined entities plus numeric ones.
 * No DTDs, namespaces are kept as part of the name, comments and processing instructions are skipped.
 * The scheduler's output is data from another machine, so malformed input is an error, never a guess.
 */

/** One element: its name, attributes, child elements and its own text (trimmed). */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replace entity references in text or attribute values. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)));
    return ENTITIES[ref] ?? whole;
  });
}

/** Parse a document; its root element. Throws on input that is not well-formed enough to trust. */
export function parseXml(input: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const texts: string[][] = [[]];
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>/g;
  let last = 0;
  for (let match = tag.exec(input); match !== null; match = tag.exec(input)) {
    const between = input.slice(last, match.index);
    if (between.includes('<')) throw new Error(`malformed XML near offset ${last}`);
    texts.at(-1)?.push(decodeEntities(between));
    last = tag.lastIndex;
    const [whole, closing, name, attrText, selfClosing, cdata] = match;
    if (cdata !== undefined) {
      texts.at(-1)?.push(cdata);
      continue;
    }
    if (name === undefined || whole.startsWith('<?') || whole.startsWith('<!')) continue;
    if (closing) {
      const open = stack.pop();
      const text = texts.pop();
      if (!open || open.name !== name || stack.length === 0) throw new Error(`malformed XML: unexpected </${name}>`);
      open.text = (text ?? []).join('').trim();
      continue;
    }
    const element: XmlElement = { name, attributes: parseAttributes(attrText ?? ''), children: [], text: '' };
    stack.at(-1)?.children.push(element);
    if (!selfClosing) {
      stack.push(element);
      texts.push([]);
    }
  }
  if (input.slice(last).includes('<')) throw new Error('malformed XML at the end');
  if (stack.length !== 1) throw new Error(`malformed XML: <${stack.at(-1)?.name}> is not closed`);
  const [first] = root.children;
  if (!first) throw new Error('no XML element in the output');
  return first;
}

function parseAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of text.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes[match[1] ?? ''] = decodeEntities(match[2] ?? match[3] ?? '');
  }
  return attributes;
}

/** Child elements named `name`, anywhere below `element` (depth first, document order). */
export function descendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (node: XmlElement) => {
    for (const child of node.children) {
      if (child.name === name) found.push(child);
      walk(child);
    }
  };
  walk(element);
  return found;
}

/** The text of the first direct child named `name`, or null. */
export function childText(element: XmlElement, name: string): string | null {
  return element.children.find((child) => child.name === name)?.text ?? null;
}
