/**
 * Small DOM helpers for the webviews. Text goes in through `textContent` only, never as HTML:
 * task names, results and logs are the workspace's data, and the panel must not run them.
 */

type Child = Node | string | undefined | false;

/** An HTML element with classes, attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: { class?: string; attrs?: Record<string, string>; text?: string } = {},
    ...children: Child[]): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    if (props.class) element.className = props.class;
    for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
    if (props.text !== undefined) element.textContent = props.text;
    for (const child of children) if (child !== undefined && child !== false) element.append(child);
    return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes (geometry is attributes, so no inline style is needed under the CSP). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
    const element = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
    for (const child of children) if (child !== undefined && child !== false) element.append(child);
    return element;
}

/** A codicon as an HTML element (`@vscode/codicons`' CSS, shipped with the bundle). */
export function codicon(name: string, extraClass = ''): HTMLElement {
    return h('span', { class: `codicon codicon-${name}${extraClass ? ` ${extraClass}` : ''}`, attrs: { 'aria-hidden': 'true' } });
}

const glyphs = new Map<string, string>();

/**
 * A codicon's character, for SVG text set in the codicon font. Read from the icon's own CSS
 * rule (its `::before` content) rather than copied here, so a new codicons version cannot
 * leave a stale code point behind.
 */
export function codiconGlyph(name: string): string {
    let glyph = glyphs.get(name);
    if (glyph === undefined) {
        const probe = codicon(name, 'glyph-probe');
        document.body.append(probe);
        const content = getComputedStyle(probe, '::before').content;
        probe.remove();
        // `content` is a quoted string, e.g. "\"\"".
        glyph = content.startsWith('"') ? content.slice(1, -1) : '';
        glyphs.set(name, glyph);
    }
    return glyph;
}

/** The children that are there: `append(...present(a, cond ? b : undefined))`. */
export function present(...children: Child[]): (Node | string)[] {
    return children.filter((child): child is Node | string => child !== undefined && child !== false);
}

/** Removes every child of `element`. */
export function clear(element: Element): void {
    element.replaceChildren();
}
