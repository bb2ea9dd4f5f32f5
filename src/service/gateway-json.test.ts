import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from './gateway-error.js';
import {
  parseBody,
  putJson,
  putRequest,
  rangeJson,
  rangeRequest,
  txnJson,
  txnRequest,
} from './gateway-json.js';

const te = new TextEncoder();
const body = (s: string): Uint8Array => te.encode(s);
const base = { clusterId: '42', memberId: '2', raftTerm: 3 };

function refused(f: () => unknown, status: number, message: RegExp): void {
  assert.throws(f, (error) => {
    assert.ok(error instanceof GatewayError, String(error));
    assert.equal(error.httpStatus, status);
    assert.match(error.message, message);
    return true;
  });
}

describe("etcd's gateway JSON", () => {
  it('reads fields by proto name or JSON name, int64 as strings or numbers, enums by name or number', () => {
    const a = rangeRequest(parseBody(body('{"key":"Zm9v","range_end":"Zm9w","limit":"5","keys_only":true}')));
    const b = rangeRequest(
      parseBody(body('{"key":"Zm9v","rangeEnd":"Zm9w","limit":5,"keysOnly":true,"x":[1]}')),
    );
    assert.deepEqual(a, b);
    assert.equal(a.limit, 5);
    const t1 = txnRequest(
      parseBody(body('{"compare":[{"key":"Zm9v","target":"MOD","result":"LESS","mod_revision":"7"}]}')),
    );
    const t2 = txnRequest(
      parseBody(body('{"compare":[{"key":"Zm9v","target":2,"result":2,"modRevision":7}]}')),
    );
    assert.deepEqual(t1, t2);
    assert.deepEqual(t1.compare[0]?.operand, 7);
    // Absent, null and empty mean the zero value.
    assert.deepEqual(putRequest(parseBody(body('{"key":"Zm9v","value":null}'))).value, new Uint8Array(0));
    assert.deepEqual(parseBody(body('')), {});
  });

  it('refuses what etcd refuses, with 400 and a message naming the field', () => {
    refused(() => parseBody(body('{"key":')), 400, /malformed JSON/);
    refused(() => parseBody(body('"a string"')), 400, /JSON object/);
    refused(() => putRequest(parseBody(body('{"key":"Zm9v!"}'))), 400, /"key" is not valid base64/);
    refused(
      () => putRequest(parseBody(body('{"key":"Zm9","value":"YmFy"}'))),
      400,
      /"key" is not valid base64/,
    );
    refused(() => putRequest(parseBody(body('{"key":{"a":1}}'))), 400, /"key" must be a base64 string/);
    refused(
      () => rangeRequest(parseBody(body('{"key":"Zm9v","limit":1.5}'))),
      400,
      /"limit" must be an integer/,
    );
    refused(() => rangeRequest(parseBody(body('{"key":"Zm9v","limit":-1}'))), 400, /"limit" must be >= 0/);
    refused(() => rangeRequest(parseBody(body('{"range_end":"Zm9v"}'))), 400, /key is not provided/);
    refused(() => rangeRequest(parseBody(body('{"key":"Zm9v","sort_order":"DESCEND"}'))), 501, /key order/);
    refused(() => putRequest(parseBody(body('{"key":"Zm9v","lease":"5"}'))), 404, /lease not found/);
    refused(
      () => txnRequest(parseBody(body('{"compare":[{"key":"Zm9v","target":"SIZE"}]}'))),
      400,
      /"target" must be one of/,
    );
    refused(
      () =>
        txnRequest(
          parseBody(
            body('{"success":[{"request_put":{"key":"YQ=="}},{"request_delete_range":{"key":"YQ=="}}]}'),
          ),
        ),
      400,
      /duplicate key/,
    );
    const many = JSON.stringify({
      success: Array.from({ length: 129 }, (_, i) => ({
        request_range: { key: Buffer.from(`k${i}`).toString('base64') },
      })),
    });
    refused(() => txnRequest(parseBody(body(many))), 400, /too many operations/);
  });

  it('writes int64 as strings, bytes as base64, and omits zero values', () => {
    assert.deepEqual(putJson(base, { revision: 9, prevKv: null }), {
      header: { cluster_id: '42', member_id: '2', revision: '9', raft_term: '3' },
    });
    const kv = {
      key: te.encode('k'),
      value: new Uint8Array(0),
      createRevision: 2,
      modRevision: 4,
      version: 2,
    };
    assert.deepEqual(rangeJson(base, { revision: 4, kvs: [kv], more: false, count: 1 }).kvs, [
      { key: 'aw==', create_revision: '2', mod_revision: '4', version: '2' },
    ]);
    assert.deepEqual(txnJson(base, { revision: 4, succeeded: false, responses: [] }), {
      header: { cluster_id: '42', member_id: '2', revision: '4', raft_term: '3' },
    });
  });
});
