#!/usr/bin/env node
// Ansible dynamic inventory backed by cloudmesh's state: Ansible runs this file with `--list` or
// `--host NAME`, and it answers exactly as `cm inventory --list` / `cm inventory --host NAME` would.
// `ansible-playbook -i "$(cm inventory path)" site.yml` uses it with no inventory file to keep in sync.
process.argv.splice(2, 0, 'inventory');
await import('./cm.js');
