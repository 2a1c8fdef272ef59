/**
 * The release named in the docs' commands is this one: a trial of 0.3.0 found
 * `tar xzf dbus-smallbms-0.2.1.tar.gz` in the README.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
};

test.each(['README.md', 'docs/install.md', 'docs/installer.md', 'gui-qml/README.md'])(
  '%s names the tarball of this release',
  (file) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const named = [...text.matchAll(/dbus-smallbms-(\d+\.\d+\.\d+)\.tar\.gz/g)].map((m) => m[1]);
    expect(named.filter((v) => v !== version)).toEqual([]);
  },
);
