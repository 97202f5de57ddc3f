// Drives a Steward server that has access control on through the npm
// "mlflow" client (2.0.7), signed in the way MLflow clients sign in. Run by
// internal/mlflowclient TestNPMClientAuth:
//
//   STEWARD_URL=http://127.0.0.1:PORT EXPECT=ok EXPECT_USER=ml-dev \
//   MLFLOW_TRACKING_USERNAME=ml-dev MLFLOW_TRACKING_PASSWORD=... node drive_auth.js
//
// The npm client does not read MLFLOW_TRACKING_* itself: its only way to
// authenticate is the `headers` option of its constructor, sent with every
// request. authHeaders below turns the environment into that header exactly
// as MLflow's Python client does (mlflow/utils/rest_utils.py, http_request):
// username and password both set give "Basic base64(username:password)",
// else a token gives "Bearer <token>"; username/password win over a token.
//
// EXPECT says what the server must answer:
//   ok               a developer: the tracking scenario succeeds, runs are
//                    attributed to EXPECT_USER
//   read-only        a viewer: reads succeed, writes are 403 PERMISSION_DENIED
//   unauthenticated  bad credentials: every call is 401 UNAUTHENTICATED
//
// Report lines start with "ok", "FAIL" or "npm-mlflow-auth:"; the client
// itself logs every POST body (lines starting with "{"). Exits non-zero on
// any failure.
'use strict';

const assert = require('node:assert/strict');
const MLflow = require('mlflow');
const { RunStatus } = require('mlflow/enum');

const base = (process.env.STEWARD_URL || '').replace(/\/+$/, '');
const expect = process.env.EXPECT || 'ok';
if (!base || !['ok', 'read-only', 'unauthenticated'].includes(expect)) {
  process.stderr.write('drive_auth.js: set STEWARD_URL and EXPECT=ok|read-only|unauthenticated\n');
  process.exit(2);
}

function authHeaders(env) {
  const user = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  const token = env.MLFLOW_TRACKING_TOKEN;
  if (user && password) {
    return { Authorization: 'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64') };
  }
  if (token) {
    return { Authorization: `Bearer ${token}` };
  }
  return {};
}

const headers = authHeaders(process.env);
const mlflow = new MLflow({ endpoint: base, headers });
const anonymous = new MLflow({ endpoint: base });
const say = (s) => process.stdout.write(s + '\n');
const origLog = console.log;

let passed = 0;
const failures = [];

async function step(name, fn, { fatal = false } = {}) {
  try {
    await fn();
    passed++;
    say(`ok   ${name}`);
  } catch (e) {
    console.log = origLog;
    const msg = e && e.stack ? e.stack : String(e);
    failures.push({ name, msg });
    say(`FAIL ${name}\n${String(msg).split('\n').map((l) => '     ' + l).join('\n')}`);
    if (fatal) {
      finish();
    }
  }
}

function finish() {
  say(`npm-mlflow-auth: EXPECT=${expect} (${headers.Authorization ? headers.Authorization.split(' ')[0] : 'no'} auth): ` +
    `${passed} passed, ${failures.length} failed`);
  if (failures.length > 0) {
    say('failed checks:\n' + failures.map((f) => '  - ' + f.name).join('\n'));
    process.exit(1);
  }
  process.exit(0);
}

// The client turns a non-200 answer into new Error(new Error(JSON)).
function parseClientError(e) {
  const m = String(e && e.message);
  const i = m.indexOf('{');
  assert.ok(i >= 0, `client error without a JSON payload: ${m}`);
  return JSON.parse(m.slice(i));
}

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

async function scenarioOK() {
  const user = process.env.EXPECT_USER;
  const suffix = `${Date.now()}-${process.pid}`;
  const expName = `npm-auth-${suffix}`;
  let expId;
  let runId;

  await step('without credentials the same server answers 401 UNAUTHENTICATED', async () => {
    await expectError(anonymous.Experiments.list(), 401, 'UNAUTHENTICATED');
  });

  await step('experiments/create', async () => {
    const res = await mlflow.Experiments.create({ name: expName });
    assert.equal(typeof res.experiment_id, 'string');
    expId = res.experiment_id;
  }, { fatal: true });

  await step('experiments/get and experiments/list', async () => {
    const got = await mlflow.Experiments.get({ experiment_id: expId });
    assert.equal(got.experiment.name, expName);
    const list = await mlflow.Experiments.list();
    assert.ok(list.experiments.some((x) => x.experiment_id === expId), 'new experiment listed');
  });

  await step('runs/create without user_id is attributed to the signed-in account', async () => {
    const { run } = await mlflow.Runs.create({ experiment_id: expId, start_time: Date.now(), tags: [{ key: 'via', value: 'npm' }] });
    runId = run.info.run_id;
    assert.equal(run.info.user_id, user, 'user_id');
    assert.equal(run.info.status, 'RUNNING');
  }, { fatal: true });

  const t0 = Date.now();
  await step('runs/log-parameter, log-metric, log-batch, set-tag', async () => {
    assert.deepEqual(await mlflow.Runs.logParameter({ run_id: runId, key: 'lr', value: '0.01' }), {});
    assert.deepEqual(await mlflow.Runs.logMetric({ run_id: runId, key: 'loss', value: 0.5, timestamp: t0, step: 0 }), {});
    assert.deepEqual(await mlflow.Runs.logBatch({
      run_id: runId,
      metrics: [{ key: 'loss', value: 0.25, timestamp: t0 + 1, step: 1 }],
      params: [{ key: 'epochs', value: '3' }],
      tags: [{ key: 'stage', value: 'train' }],
    }), {});
    assert.deepEqual(await mlflow.Runs.setTag({ run_id: runId, key: 'note', value: 'authenticated' }), {});
  });

  await step('runs/get, metrics/get-history and runs/search see it', async () => {
    const { run } = await mlflow.Runs.get({ run_id: runId });
    assert.deepEqual(kv(run.data.params), { lr: '0.01', epochs: '3' });
    assert.equal(kv(run.data.tags).note, 'authenticated');
    const hist = await mlflow.Metrics.getHistory({ run_id: runId, metric_key: 'loss' });
    assert.deepEqual(hist.metrics.map((m) => m.value).sort(), [0.25, 0.5]);
    const found = await mlflow.Runs.search({ experiment_ids: [expId], filter: "params.lr = '0.01'" });
    assert.deepEqual(found.runs.map((r) => r.info.run_id), [runId]);
  });

  await step('runs/update to FINISHED', async () => {
    const res = await mlflow.Runs.update({ run_id: runId, status: RunStatus.FINISHED, end_time: Date.now() });
    assert.equal(res.run_info.status, 'FINISHED');
  });

  await step('an unknown run is still 404 RESOURCE_DOES_NOT_EXIST, not an auth error', async () => {
    await expectError(mlflow.Runs.get({ run_id: 'ffffffffffffffffffffffffffffffff' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
}

async function scenarioReadOnly() {
  await step('experiments/list works for a viewer', async () => {
    const list = await mlflow.Experiments.list();
    assert.ok(Array.isArray(list.experiments), JSON.stringify(list));
    assert.ok(list.experiments.some((x) => x.experiment_id === '0'), 'Default experiment listed');
  });
  await step('experiments/get works for a viewer', async () => {
    const got = await mlflow.Experiments.get({ experiment_id: '0' });
    assert.equal(got.experiment.experiment_id, '0');
  });
  await step('experiments/create -> 403 PERMISSION_DENIED', async () => {
    await expectError(mlflow.Experiments.create({ name: `npm-viewer-${Date.now()}` }), 403, 'PERMISSION_DENIED');
  });
  await step('runs/create -> 403 PERMISSION_DENIED', async () => {
    await expectError(mlflow.Runs.create({ experiment_id: '0', start_time: Date.now() }), 403, 'PERMISSION_DENIED');
  });
}

// Few calls on purpose: failed sign-ins are rate limited per source, and the
// test runs every scenario from the same address.
async function scenarioUnauthenticated() {
  await step('experiments/list -> 401 UNAUTHENTICATED', async () => {
    const body = await expectError(mlflow.Experiments.list(), 401, 'UNAUTHENTICATED');
    for (const secret of [process.env.MLFLOW_TRACKING_PASSWORD, process.env.MLFLOW_TRACKING_TOKEN]) {
      assert.ok(!secret || !body.message.includes(secret), `the message echoes the credential: ${body.message}`);
    }
  });
  await step('experiments/create -> 401 UNAUTHENTICATED', async () => {
    await expectError(mlflow.Experiments.create({ name: `npm-denied-${Date.now()}` }), 401, 'UNAUTHENTICATED');
  });
}

(async () => {
  if (expect === 'ok') {
    await scenarioOK();
  } else if (expect === 'read-only') {
    await scenarioReadOnly();
  } else {
    await scenarioUnauthenticated();
  }
  finish();
})().catch((e) => {
  console.log = origLog;
  failures.push({ name: 'unexpected error', msg: e && e.stack ? e.stack : String(e) });
  say(`FAIL unexpected error\n${e && e.stack ? e.stack : e}`);
  finish();
});
