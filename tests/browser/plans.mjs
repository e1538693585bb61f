// The generated plans the browser bench and the profile load into the app.

/** A plan with `hosts` servers, `nodes` nodes (five managers) and `services` services of ten replicas; nodes last, so an edit can append one. */
export function generated(hosts, nodes, services) {
  const lines = ['swarmplan: 1', `name: generated ${nodes} nodes`, 'hosts:'];
  for (let h = 0; h < hosts; h++) lines.push(`  - { name: h${h}, rack: r${Math.floor(h / 4)}, site: dc${h % 3} }`);
  lines.push('stacks:', '  - name: app', '    compose:', '      services:');
  for (let s = 0; s < services; s++) lines.push(`        s${s}: { image: app, deploy: { replicas: 10 } }`);
  lines.push('nodes:');
  for (let n = 0; n < nodes; n++) lines.push(`  - { name: n${n}, host: h${n % hosts}, role: ${n < 5 ? 'manager' : 'worker'} }`);
  return lines.join('\n') + '\n';
}

/** The edit that types one more manager, on `host`, at offset `at` of the text. */
export function extraManager(at, host) {
  return { at, insert: `  - { name: bench-extra, host: ${host}, role: manager }\n` };
}

/** In the default example, one more manager on esx1 at the top of the node list. */
export function exampleManager(text) {
  return extraManager(text.search(/^nodes:\n/m) + 'nodes:\n'.length, 'esx1');
}
