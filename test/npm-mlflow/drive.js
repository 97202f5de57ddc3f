// Drives a running Steward server through the npm "mlflow" client (2.0.7, a
// client written for MLflow 1.x) and asserts MLflow's behaviour with
// node:assert. Run by internal/mlflowclient TestNPMClient:
//
//   STEWARD_URL=http://127.0.0.1:PORT node drive.js
//
// The client logs every POST body with console.log; our own report lines
// start with "ok", "FAIL" or "npm-mlflow:". Exits non-zero on any failure.
'use strict';

const assert = require('node:assert/strict');
const MLflow = require('mlflow');
const { ViewType, RunStatus } = require('mlflow/enum');

const base = (process.env.STEWARD_URL || '').replace(/\/+$/, '');
if (!base) {
  process.stderr.write('drive.js: set STEWARD_URL to the server URL, e.g. http://127.0.0.1:5000\n');
  process.exit(2);
}

const mlflow = new MLflow({ endpoint: base });
const say = (s) => process.stdout.write(s + '\n');
const origLog = console.log;

let passed = 0;
const failures = [];

// step runs one check; a fatal step stops the scenario, since what follows
// depends on it.
async function step(name, fn, { fatal = false } = {}) {
  try {
    await fn();
    passed++;
    say(`ok   ${name}`);
  } catch (e) {
    console.log = origLog;
    const msg = e && e.stack ? e.stack : String(e);
    failures.push({ name, msg });
    say(`FAIL ${name}\n${indent(msg)}`);
    if (fatal) {
      finish();
    }
  }
}

function indent(s) {
  return String(s).split('\n').map((l) => '     ' + l).join('\n');
}

function finish() {
  say(`npm-mlflow: ${passed} passed, ${failures.length} failed`);
  if (failures.length > 0) {
    say('failed checks:\n' + failures.map((f) => '  - ' + f.name).join('\n'));
    process.exit(1);
  }
  process.exit(0);
}

// The client turns a non-200 answer into new Error(new Error(JSON)), so the
// message is "Error: {"status":..,"statusText":..,"data":{error_code,message}}".
function parseClientError(e) {
  const m = String(e && e.message);
  const i = m.indexOf('{');
  assert.ok(i >= 0, `client error without a JSON payload: ${m}`);
  return JSON.parse(m.slice(i));
}

// expectError asserts that p rejects with MLflow's error shape.
async function expectError(p, status, errorCode) {
  let res;
  try {
    res = await p;
  } catch (e) {
    const got = parseClientError(e);
    assert.equal(got.status, status, `HTTP status (body ${JSON.stringify(got.data)})`);
    assert.ok(got.data && typeof got.data === 'object', `error body is not JSON: ${JSON.stringify(got)}`);
    assert.equal(got.data.error_code, errorCode, `error_code (body ${JSON.stringify(got.data)})`);
    assert.equal(typeof got.data.message, 'string');
    assert.ok(got.data.message.length > 0, 'error message is empty');
    return got.data;
  }
  assert.fail(`expected ${status} ${errorCode}, got success: ${JSON.stringify(res)}`);
}

const kv = (list) => Object.fromEntries((list || []).map((t) => [t.key, t.value]));
const byKey = (list) => Object.fromEntries((list || []).map((m) => [m.key, m]));

// assertExperiment1x checks the MLflow 1.x Experiment shape.
function assertExperiment1x(e, where) {
  assert.equal(typeof e.experiment_id, 'string', `${where}: experiment_id is a string`);
  assert.match(e.experiment_id, /^\S+$/, `${where}: experiment_id`);
  assert.equal(typeof e.name, 'string', `${where}: name`);
  assert.equal(typeof e.artifact_location, 'string', `${where}: artifact_location`);
  assert.ok(['active', 'deleted'].includes(e.lifecycle_stage), `${where}: lifecycle_stage=${e.lifecycle_stage}`);
  if (e.tags !== undefined) {
    assert.ok(Array.isArray(e.tags), `${where}: tags is a list`);
  }
}

function assertRunInfo(info, where) {
  for (const f of ['run_id', 'run_uuid', 'experiment_id', 'status', 'artifact_uri', 'lifecycle_stage']) {
    assert.equal(typeof info[f], 'string', `${where}: info.${f} is a string (${JSON.stringify(info)})`);
  }
  assert.equal(info.run_uuid, info.run_id, `${where}: run_uuid equals run_id`);
  assert.equal(typeof info.start_time, 'number', `${where}: info.start_time is a number`);
}

async function main() {
  const suffix = `${Date.now()}-${process.pid}`;
  const expName = `npm-mlflow-${suffix}`;
  const artifactLocation = `s3://npm-mlflow-bucket/${suffix}`;
  const startTime = Date.now() - 60_000;
  let expId;
  let runId;
  const runs = {};

  // ---------- experiments ----------

  await step('experiments/create with artifact_location', async () => {
    const res = await mlflow.Experiments.create({ name: expName, artifact_location: artifactLocation });
    assert.deepEqual(Object.keys(res), ['experiment_id']);
    assert.equal(typeof res.experiment_id, 'string');
    expId = res.experiment_id;
  }, { fatal: true });

  await step('experiments/create duplicate name -> 400 RESOURCE_ALREADY_EXISTS', async () => {
    await expectError(mlflow.Experiments.create({ name: expName }), 400, 'RESOURCE_ALREADY_EXISTS');
  });

  await step('experiments/list (MLflow 1.x) shows the new experiment in 1.x shape', async () => {
    const res = await mlflow.Experiments.list();
    assert.ok(Array.isArray(res.experiments), `experiments is a list: ${JSON.stringify(res)}`);
    res.experiments.forEach((e, i) => assertExperiment1x(e, `experiments[${i}]`));
    const e = res.experiments.find((x) => x.experiment_id === expId);
    assert.ok(e, `experiment ${expId} missing from experiments/list`);
    assert.equal(e.name, expName);
    assert.equal(e.artifact_location, artifactLocation);
    assert.equal(e.lifecycle_stage, 'active');
    assert.ok(res.experiments.some((x) => x.experiment_id === '0' && x.name === 'Default'),
      'the Default experiment (id 0) is listed, as MLflow always has it');
    assert.equal(res.next_page_token, undefined, 'no next_page_token without max_results');
  });

  await step('experiments/list view_type=ALL and ACTIVE_ONLY include it', async () => {
    for (const view_type of [ViewType.ALL, ViewType.ACTIVE_ONLY]) {
      const res = await mlflow.Experiments.list({ view_type });
      assert.ok(res.experiments.some((x) => x.experiment_id === expId), `${view_type}: ${expId} missing`);
    }
  });

  await step('experiments/get', async () => {
    const res = await mlflow.Experiments.get({ experiment_id: expId });
    assertExperiment1x(res.experiment, 'experiment');
    assert.equal(res.experiment.experiment_id, expId);
    assert.equal(res.experiment.name, expName);
    assert.equal(res.experiment.artifact_location, artifactLocation);
    assert.equal(res.experiment.lifecycle_stage, 'active');
  });

  const newName = `${expName}-renamed`;
  await step('experiments/update renames', async () => {
    assert.deepEqual(await mlflow.Experiments.update({ experiment_id: expId, new_name: newName }), {});
    const res = await mlflow.Experiments.get({ experiment_id: expId });
    assert.equal(res.experiment.name, newName);
    const list = await mlflow.Experiments.list();
    assert.equal(list.experiments.find((x) => x.experiment_id === expId).name, newName);
  });

  await step('setExperimentTag (client path bug: experimentsset-experiment-tag) -> 404 ENDPOINT_NOT_FOUND', async () => {
    await expectError(mlflow.Experiments.setExperimentTag({ experiment_id: expId, key: 'k', value: 'v' }),
      404, 'ENDPOINT_NOT_FOUND');
  });

  await step('experiments/get unknown id -> 404 RESOURCE_DOES_NOT_EXIST', async () => {
    await expectError(mlflow.Experiments.get({ experiment_id: '987654321' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  // ---------- runs ----------

  await step('runs/create with tags, user_id and start_time', async () => {
    const res = await mlflow.Runs.create({
      experiment_id: expId, user_id: 'npm-user', start_time: startTime,
      tags: [{ key: 'team', value: 'core' }, { key: 'doomed', value: 'yes' }],
    });
    const { info, data } = res.run;
    assertRunInfo(info, 'created run');
    assert.equal(info.experiment_id, expId);
    assert.equal(info.user_id, 'npm-user');
    assert.equal(info.status, 'RUNNING');
    assert.equal(info.start_time, startTime);
    assert.equal(info.lifecycle_stage, 'active');
    assert.equal(info.end_time, undefined);
    const tags = kv(data.tags);
    assert.equal(tags.team, 'core');
    assert.equal(tags.doomed, 'yes');
    runId = info.run_id;
    runs.main = runId;
  }, { fatal: true });

  const t0 = Date.now();
  await step('runs/log-parameter', async () => {
    assert.deepEqual(await mlflow.Runs.logParameter({ run_id: runId, key: 'p1', value: 'x' }), {});
    // Logging the same value again is allowed.
    assert.deepEqual(await mlflow.Runs.logParameter({ run_id: runId, key: 'p1', value: 'x' }), {});
  });

  await step('runs/log-parameter changing a value -> 400 INVALID_PARAMETER_VALUE', async () => {
    await expectError(mlflow.Runs.logParameter({ run_id: runId, key: 'p1', value: 'changed' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  await step('runs/log-metric with steps', async () => {
    assert.deepEqual(await mlflow.Runs.logMetric({ run_id: runId, key: 'm1', value: 0.25, timestamp: t0, step: 0 }), {});
    assert.deepEqual(await mlflow.Runs.logMetric({ run_id: runId, key: 'm1', value: 0.75, timestamp: t0 + 1, step: 1 }), {});
    // Logged later but at an earlier step: not the latest value.
    assert.deepEqual(await mlflow.Runs.logMetric({ run_id: runId, key: 'm1', value: 0.5, timestamp: t0 + 2, step: 0 }), {});
    // No step: MLflow takes 0.
    assert.deepEqual(await mlflow.Runs.logMetric({ run_id: runId, key: 'nostep', value: 3, timestamp: t0 }), {});
  });

  await step('runs/log-metric value null (JSON.stringify of NaN) -> 400 INVALID_PARAMETER_VALUE', async () => {
    await expectError(mlflow.Runs.logMetric({ run_id: runId, key: 'nan', value: NaN, timestamp: t0 }), 400, 'INVALID_PARAMETER_VALUE');
  });

  await step('runs/log-metric without value -> 400 INVALID_PARAMETER_VALUE', async () => {
    await expectError(mlflow.Runs.logMetric({ run_id: runId, key: 'missing', timestamp: t0 }), 400, 'INVALID_PARAMETER_VALUE');
  });

  await step('runs/log-metric on unknown run -> 404 RESOURCE_DOES_NOT_EXIST', async () => {
    await expectError(mlflow.Runs.logMetric({ run_id: '0123456789abcdef0123456789abcdef', key: 'm', value: 1, timestamp: t0 }),
      404, 'RESOURCE_DOES_NOT_EXIST');
  });

  await step('runs/log-batch metrics, params and tags', async () => {
    assert.deepEqual(await mlflow.Runs.logBatch({
      run_id: runId,
      metrics: [
        { key: 'm2', value: 10, timestamp: t0, step: 0 },
        { key: 'm2', value: 20, timestamp: t0 + 1, step: 1 },
        { key: 'm2', value: -1.5e-3, timestamp: t0 + 2, step: 2 },
      ],
      params: [{ key: 'p2', value: 'y' }, { key: 'lr', value: '0.01' }],
      tags: [{ key: 'stage', value: 'train' }],
    }), {});
  });

  await step('runs/log-batch with a null metric value -> 400 INVALID_PARAMETER_VALUE', async () => {
    await expectError(mlflow.Runs.logBatch({ run_id: runId, metrics: [{ key: 'bad', value: NaN, timestamp: t0, step: 0 }] }),
      400, 'INVALID_PARAMETER_VALUE');
  });

  await step('runs/set-tag and runs/delete-tag', async () => {
    assert.deepEqual(await mlflow.Runs.setTag({ run_id: runId, key: 'note', value: 'hello npm' }), {});
    assert.deepEqual(await mlflow.Runs.setTag({ run_id: runId, key: 'team', value: 'platform' }), {});
    assert.deepEqual(await mlflow.Runs.deleteTag({ run_id: runId, key: 'doomed' }), {});
  });

  await step('runs/delete-tag of a missing tag -> 404 RESOURCE_DOES_NOT_EXIST', async () => {
    await expectError(mlflow.Runs.deleteTag({ run_id: runId, key: 'never-set' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  await step('runs/get returns params, latest metrics and tags', async () => {
    const { run } = await mlflow.Runs.get({ run_id: runId });
    assertRunInfo(run.info, 'runs/get');
    assert.equal(run.info.run_id, runId);
    assert.equal(run.info.experiment_id, expId);
    assert.deepEqual(kv(run.data.params), { p1: 'x', p2: 'y', lr: '0.01' });
    const metrics = byKey(run.data.metrics);
    assert.deepEqual(Object.keys(metrics).sort(), ['m1', 'm2', 'nostep']);
    assert.deepEqual(metrics.m1, { key: 'm1', value: 0.75, timestamp: t0 + 1, step: 1 });
    assert.deepEqual(metrics.m2, { key: 'm2', value: -1.5e-3, timestamp: t0 + 2, step: 2 });
    assert.deepEqual(metrics.nostep, { key: 'nostep', value: 3, timestamp: t0, step: 0 });
    const tags = kv(run.data.tags);
    assert.equal(tags.team, 'platform');
    assert.equal(tags.note, 'hello npm');
    assert.equal(tags.stage, 'train');
    assert.equal(tags.doomed, undefined, 'deleted tag is gone');
  });

  await step('metrics/get-history', async () => {
    const res = await mlflow.Metrics.getHistory({ run_id: runId, metric_key: 'm1' });
    assert.ok(Array.isArray(res.metrics), JSON.stringify(res));
    const hist = res.metrics.map((m) => [m.step, m.timestamp, m.value, m.key])
      .sort((a, b) => a[1] - b[1]);
    assert.deepEqual(hist, [[0, t0, 0.25, 'm1'], [1, t0 + 1, 0.75, 'm1'], [0, t0 + 2, 0.5, 'm1']]);
    const m2 = await mlflow.Metrics.getHistory({ run_id: runId, metric_key: 'm2' });
    assert.deepEqual(m2.metrics.map((m) => m.value).sort((a, b) => a - b), [-1.5e-3, 10, 20]);
  });

  await step('metrics/get-history of an unlogged key is empty', async () => {
    const res = await mlflow.Metrics.getHistory({ run_id: runId, metric_key: 'never-logged' });
    assert.equal((res.metrics || []).length, 0, JSON.stringify(res));
  });

  // More runs for search: m1 / p1 per run.
  await step('runs for search (create + log-batch)', async () => {
    const specs = { b: [0.6, 'x'], c: [0.3, 'x'], d: [0.99, 'y'] };
    for (const [name, [m1, p1]] of Object.entries(specs)) {
      const { run } = await mlflow.Runs.create({ experiment_id: expId, start_time: Date.now(), tags: [{ key: 'which', value: name }] });
      runs[name] = run.info.run_id;
      await mlflow.Runs.logBatch({ run_id: run.info.run_id, metrics: [{ key: 'm1', value: m1, timestamp: t0, step: 0 }], params: [{ key: 'p1', value: p1 }] });
    }
  }, { fatal: true });

  await step("runs/search filter \"metrics.m1 > 0.5 and params.p1 = 'x'\" order_by metrics.m1", async () => {
    const filter = "metrics.m1 > 0.5 and params.p1 = 'x'";
    const asc = await mlflow.Runs.search({ experiment_ids: [expId], filter, order_by: ['metrics.m1 ASC'] });
    assert.deepEqual(asc.runs.map((r) => r.info.run_id), [runs.b, runs.main]);
    asc.runs.forEach((r, i) => assertRunInfo(r.info, `runs[${i}]`));
    assert.equal(asc.next_page_token, undefined);
    const desc = await mlflow.Runs.search({ experiment_ids: [expId], filter, order_by: ['metrics.m1 DESC'], run_view_type: ViewType.ACTIVE_ONLY });
    assert.deepEqual(desc.runs.map((r) => r.info.run_id), [runs.main, runs.b]);
    const main = desc.runs[0];
    assert.equal(kv(main.data.params).p1, 'x');
    assert.equal(byKey(main.data.metrics).m1.value, 0.75);
  });

  await step('runs/search paging with max_results and page_token', async () => {
    const seen = [];
    let page_token;
    for (let i = 0; i < 10; i++) {
      const res = await mlflow.Runs.search({ experiment_ids: [expId], order_by: ['metrics.m1 DESC'], max_results: 1, page_token });
      assert.equal((res.runs || []).length <= 1, true);
      seen.push(...(res.runs || []).map((r) => r.info.run_id));
      page_token = res.next_page_token;
      if (!page_token) break;
    }
    assert.deepEqual(seen, [runs.d, runs.main, runs.b, runs.c]);
  });

  await step('runs/search with a bad filter -> 400 INVALID_PARAMETER_VALUE', async () => {
    await expectError(mlflow.Runs.search({ experiment_ids: [expId], filter: 'metrics.m1 >>> 1' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  await step('runs/update to FINISHED with end_time', async () => {
    const endTime = Date.now();
    const res = await mlflow.Runs.update({ run_id: runId, status: RunStatus.FINISHED, end_time: endTime });
    assertRunInfo(res.run_info, 'run_info');
    assert.equal(res.run_info.run_id, runId);
    assert.equal(res.run_info.status, 'FINISHED');
    assert.equal(res.run_info.end_time, endTime);
    const { run } = await mlflow.Runs.get({ run_id: runId });
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.end_time, endTime);
  });

  await step('artifacts/list on a run without artifacts', async () => {
    const { run } = await mlflow.Runs.get({ run_id: runId });
    const res = await mlflow.Artifacts.list({ run_id: runId });
    assert.deepEqual(res, { root_uri: run.info.artifact_uri });
    const sub = await mlflow.Artifacts.list({ run_id: runId, path: 'model' });
    assert.deepEqual(sub, { root_uri: run.info.artifact_uri });
  });

  await step('runs/delete and runs/restore', async () => {
    assert.deepEqual(await mlflow.Runs.delete({ run_id: runs.c }), {});
    let { run } = await mlflow.Runs.get({ run_id: runs.c });
    assert.equal(run.info.lifecycle_stage, 'deleted');
    const active = await mlflow.Runs.search({ experiment_ids: [expId] });
    assert.ok(!active.runs.some((r) => r.info.run_id === runs.c), 'deleted run not in ACTIVE_ONLY search');
    const deleted = await mlflow.Runs.search({ experiment_ids: [expId], run_view_type: ViewType.DELETED_ONLY });
    assert.deepEqual(deleted.runs.map((r) => r.info.run_id), [runs.c]);
    await expectError(mlflow.Runs.logParameter({ run_id: runs.c, key: 'late', value: '1' }), 400, 'INVALID_PARAMETER_VALUE');
    assert.deepEqual(await mlflow.Runs.restore({ run_id: runs.c }), {});
    ({ run } = await mlflow.Runs.get({ run_id: runs.c }));
    assert.equal(run.info.lifecycle_stage, 'active');
  });

  await step('runs/get unknown run -> 404 RESOURCE_DOES_NOT_EXIST', async () => {
    const body = await expectError(mlflow.Runs.get({ run_id: 'ffffffffffffffffffffffffffffffff' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    assert.match(body.message, /ffffffffffffffffffffffffffffffff/);
  });

  await step('runs/create in unknown experiment -> 404 RESOURCE_DOES_NOT_EXIST', async () => {
    await expectError(mlflow.Runs.create({ experiment_id: '987654321', start_time: Date.now() }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  // ---------- experiment delete / restore ----------

  await step('experiments/delete, list view_type=DELETED_ONLY, restore', async () => {
    assert.deepEqual(await mlflow.Experiments.delete({ experiment_id: expId }), {});
    const got = await mlflow.Experiments.get({ experiment_id: expId });
    assert.equal(got.experiment.lifecycle_stage, 'deleted');

    const active = await mlflow.Experiments.list();
    assert.ok(!active.experiments.some((x) => x.experiment_id === expId), 'deleted experiment not in default (ACTIVE_ONLY) list');
    const deleted = await mlflow.Experiments.list({ view_type: ViewType.DELETED_ONLY });
    assert.ok(Array.isArray(deleted.experiments), JSON.stringify(deleted));
    deleted.experiments.forEach((e, i) => assertExperiment1x(e, `deleted[${i}]`));
    assert.ok(deleted.experiments.every((x) => x.lifecycle_stage === 'deleted'), 'DELETED_ONLY lists only deleted experiments');
    const e = deleted.experiments.find((x) => x.experiment_id === expId);
    assert.ok(e, `experiment ${expId} missing from DELETED_ONLY list`);
    assert.equal(e.name, newName);
    const all = await mlflow.Experiments.list({ view_type: ViewType.ALL });
    assert.ok(all.experiments.some((x) => x.experiment_id === expId));

    assert.deepEqual(await mlflow.Experiments.restore({ experiment_id: expId }), {});
    const back = await mlflow.Experiments.list();
    assert.equal(back.experiments.find((x) => x.experiment_id === expId).lifecycle_stage, 'active');
    const none = await mlflow.Experiments.list({ view_type: ViewType.DELETED_ONLY });
    assert.ok(!(none.experiments || []).some((x) => x.experiment_id === expId));
  });

  await step('experiments/delete unknown id -> 404 RESOURCE_DOES_NOT_EXIST', async () => {
    await expectError(mlflow.Experiments.delete({ experiment_id: '987654321' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  // ---------- experiments/list is unpaged unless asked ----------
  // MLflow 1.x ListExperiments: "If max_results is unspecified, return all
  // experiments." The npm client never sends max_results or page_token, so a
  // server that pages by default would hide experiments from it.
  await step('experiments/list without max_results returns every experiment (> 1000)', async () => {
    const before = (await mlflow.Experiments.list()).experiments.length;
    const want = 1001 - before;
    console.log = () => {}; // the client logs each request body
    try {
      let next = 0;
      const worker = async () => {
        while (next < want) {
          const i = next++;
          await mlflow.Experiments.create({ name: `npm-bulk-${suffix}-${i}` });
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
    } finally {
      console.log = origLog;
    }
    const res = await mlflow.Experiments.list();
    assert.equal(res.experiments.length, before + Math.max(want, 0),
      `listed ${res.experiments.length} experiments of ${before + Math.max(want, 0)}; next_page_token=${JSON.stringify(res.next_page_token)}`);
    assert.equal(res.next_page_token, undefined);
    assert.equal(new Set(res.experiments.map((x) => x.experiment_id)).size, res.experiments.length, 'no duplicates');
  });

  finish();
}

main().catch((e) => {
  console.log = origLog;
  failures.push({ name: 'unexpected error', msg: e && e.stack ? e.stack : String(e) });
  say(`FAIL unexpected error\n${indent(e && e.stack ? e.stack : e)}`);
  finish();
});
