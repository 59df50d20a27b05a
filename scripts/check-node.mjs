// Fails fast when the pinned Node (the `node` devDependency, >= 22.18) is not the one running.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `tokenflight: Node ${process.versions.node} is too old. Run scripts through npm after \`npm ci\` ` +
      '(the `node` devDependency provides Node 24); installs with --ignore-scripts skip it.',
  );
  process.exit(1);
}
