'use strict';
// PostgreSQL through `pg`: one Client, then a Pool with several clients
// checked out at once. Text and bytea payloads go in and come back out, and
// the server's own md5() of what it stored is compared with ours.
const crypto = require('node:crypto');
const { Client, Pool } = require('pg');

const md5 = (v) => crypto.createHash('md5').update(v).digest('hex');
const text = (n) => crypto.randomBytes(n).toString('base64').slice(0, n);

module.exports = async function pgCase({ step, env }) {
  const config = {
    host: '127.0.0.1', port: Number(env.APPS_PG_PORT), database: env.APPS_PG_DATABASE,
    user: env.APPS_PG_USER, password: env.APPS_PG_PASSWORD,
  };
  const table = `apps_${process.pid}_${Date.now()}`;

  const client = new Client(config);
  await client.connect();
  try {
    await step('Client: create a table, 4 KiB and 64 KiB text, 64 KiB bytea', async () => {
      await client.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, body text, blob bytea)`);
      const small = text(4096);
      const large = text(65536);
      const blob = crypto.randomBytes(65536);
      const { rows: [a] } = await client.query(
        `INSERT INTO ${table} (body, blob) VALUES ($1, $2) RETURNING id, md5(body) AS m, md5(blob) AS mb`, [small, blob]);
      const { rows: [b] } = await client.query(`INSERT INTO ${table} (body) VALUES ($1) RETURNING id, md5(body) AS m`, [large]);
      const { rows } = await client.query(`SELECT id, body, blob FROM ${table} WHERE id = ANY($1) ORDER BY id`, [[a.id, b.id]]);
      return [
        ['server md5 of the 4 KiB text', md5(small), a.m],
        ['server md5 of the 64 KiB bytea', md5(blob), a.mb],
        ['server md5 of the 64 KiB text', md5(large), b.m],
        ['4 KiB text read back', small, rows[0].body],
        ['64 KiB bytea read back', blob, rows[0].blob],
        ['64 KiB text read back', large, rows[1].body],
      ];
    });
  } finally {
    await client.end();
  }

  const pool = new Pool({ ...config, max: 4, keepAlive: true });
  try {
    await step('Pool: 4 clients checked out at once, each writes and reads its own rows', async () => {
      const clients = await Promise.all([1, 2, 3, 4].map(() => pool.connect()));
      try {
        const pids = await Promise.all(clients.map((c) => c.query('SELECT pg_backend_pid() AS pid')));
        const distinct = new Set(pids.map((r) => r.rows[0].pid)).size;
        const out = await Promise.all(clients.map(async (c, i) => {
          const body = text(8192 + i * 1000);
          const { rows: [r] } = await c.query(`INSERT INTO ${table} (body) VALUES ($1) RETURNING id`, [body]);
          const { rows: [back] } = await c.query(`SELECT body, md5(body) AS m FROM ${table} WHERE id = $1`, [r.id]);
          return [[`client ${i + 1}: server md5`, md5(body), back.m], [`client ${i + 1}: read back`, body, back.body]];
        }));
        return [['distinct server backends', 4, distinct], ...out.flat()];
      } finally {
        for (const c of clients) c.release();
      }
    });
    await step('Pool: 16 concurrent pool.query calls', async () => {
      const bodies = Array.from({ length: 16 }, (_, i) => text(1024 + i));
      const results = await Promise.all(bodies.map((b) => pool.query('SELECT $1::text AS echo, md5($1::text) AS m', [b])));
      return bodies.flatMap((b, i) => [[`query ${i}: echo`, b, results[i].rows[0].echo], [`query ${i}: md5`, md5(b), results[i].rows[0].m]]);
    });
    await pool.query(`DROP TABLE ${table}`);
  } finally {
    await pool.end();
  }
};
