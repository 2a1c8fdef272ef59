'use strict';
// Generates the README's configuration table from service/src/config/schema.json, the single
// source of truth, between <!-- config-table:start --> and <!-- config-table:end -->.
//   node scripts/config-table.js          rewrite README.md
//   node scripts/config-table.js --check  exit 1 when README.md is stale (CI, jest)
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const schemaFile = path.join(root, 'service/src/config/schema.json');
const readmeFile = path.join(root, 'README.md');
const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

function resolve(schema, node) {
  if (node && typeof node.$ref === 'string') {
    const parts = node.$ref.replace(/^#\//, '').split('/');
    return parts.reduce((n, p) => n[p], schema);
  }
  return node;
}

function cell(text) {
  // Outside code spans, <name> would be swallowed as an HTML tag by markdown renderers.
  return String(text)
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}

function code(value) {
  return '`' + (typeof value === 'string' ? value : JSON.stringify(value)) + '`';
}

function typeOf(node) {
  if (node.const !== undefined) return code(node.const);
  if (Array.isArray(node.type)) return node.type.join(' \\| ');
  return node.type || '';
}

function allowed(node) {
  const unit = node.unit ? ` ${node.unit}` : '';
  if (node.enum) return node.enum.map(code).join(', ');
  if (node.minimum !== undefined && node.maximum !== undefined) {
    return `${node.minimum}–${node.maximum}${unit}`;
  }
  if (node.minimum !== undefined) return `≥ ${node.minimum}${unit}`;
  if (node.maximum !== undefined) return `≤ ${node.maximum}${unit}`;
  if (node.patternHint) return node.patternHint;
  return unit.trim();
}

function defaultOf(node, required) {
  if (required) return '**required**';
  if (node.default === undefined) return '';
  if (node.type === 'object') return '';
  return code(node.default);
}

function row(rows, key, node, required, prefix) {
  const description = (prefix || '') + (node.description || '');
  rows.push(
    `| ${code(key)} | ${cell(typeOf(node))} | ${cell(defaultOf(node, required))} | ${cell(
      allowed(node),
    )} | ${cell(description)} |`,
  );
}

/** The $ref every property shares (directly, or as array items), or null. */
function sharedRef(props) {
  const refs = Object.values(props).map((p) => p.$ref || (p.items && p.items.$ref) || null);
  return refs.length > 1 && refs.every((r) => r && r === refs[0]) ? refs[0] : null;
}

function walkObject(schema, node, base, rows) {
  const props = node.properties || {};
  const required = new Set(node.required || []);
  const shared = sharedRef(props);
  if (shared) {
    // lines.<role> and outputs.<output>: one set of rows, not seven copies.
    const names = Object.keys(props);
    const placeholder = base.endsWith('lines') ? '<role>' : '<output>';
    const first = props[names[0]];
    const isList = first.type === 'array';
    const key = `${base}.${placeholder}`;
    const def = resolve(schema, { $ref: shared });
    const shown = isList
      ? { type: 'array', default: first.default, description: def.description }
      : def;
    row(rows, key, shown, false, `One of ${names.map(code).join(', ')}. `);
    walk(schema, def, isList ? `${key}[]` : key, rows);
    return;
  }
  for (const [name, child] of Object.entries(props)) {
    if (name === '$schema') continue;
    const key = base ? `${base}.${name}` : name;
    const resolved = resolve(schema, child);
    row(rows, key, resolved, required.has(name));
    walk(schema, resolved, key, rows);
  }
}

function walk(schema, node, base, rows) {
  if (node.oneOf && node.discriminator) {
    const tag = node.discriminator.propertyName;
    for (const branch of node.oneOf) {
      const value = branch.properties[tag].const;
      const required = new Set(branch.required || []);
      const tagNode = { const: value, description: branch.description };
      row(rows, `${base}.${tag}`, tagNode, true);
      for (const [name, child] of Object.entries(branch.properties)) {
        if (name === tag) continue;
        row(rows, `${base}.${name}`, child, required.has(name), `*${tag} ${value}:* `);
      }
    }
    return;
  }
  if (node.type === 'object') walkObject(schema, node, base, rows);
}

function table() {
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
  const rows = [];
  walk(schema, schema, '', rows);
  return [
    '<!-- Generated from service/src/config/schema.json by `node scripts/config-table.js`; do not edit by hand. -->',
    '',
    '| key | type | default | allowed | description |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function render(readme) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} / ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${table()}\n${readme.slice(end)}`;
}

function main() {
  const readme = fs.readFileSync(readmeFile, 'utf8');
  const next = render(readme);
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      process.stderr.write(
        'README.md configuration table is stale: run `node scripts/config-table.js`\n',
      );
      process.exitCode = 1;
    }
    return;
  }
  if (next !== readme) fs.writeFileSync(readmeFile, next);
}

module.exports = { table, render };

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`config-table: ${error.message}\n`);
    process.exitCode = 1;
  }
}
