'use strict';
// MariaDB through `mysql2`: one connection (text protocol and prepared
// statements), then a pool with several connections busy at once. Payloads go
// in and come back out, and the server's own MD5() of what it stored is
// compared with ours.
const crypto = require('node:crypto');
const mysql = require('mysql2/promise');

const md5 = (v) => crypto.createHash('md5').update(v).digest('hex');
const text = (n) => crypto.randomBytes(n).toString('base64').slice(0, n);

module.exports = async function mysql2Case({ step, env }) {
  const config = {
    host: '127.0.0.1', port: Number(env.APPS_MYSQL_PORT), database: env.APPS_MYSQL_DATABASE,
    user: env.APPS_MYSQL_USER, password: env.APPS_MYSQL_PASSWORD,
  };
  const table = `apps_${process.pid}_${Date.now()}`;

  const conn = await mysql.createConnection(config);
  try {
    await step('connection: create a table, 4 KiB text (query), 64 KiB text and blob (execute)', async () => {
      await conn.query(`CREATE TABLE ${table} (id INT AUTO_INCREMENT PRIMARY KEY, body LONGTEXT, blob_ LONGBLOB)`);
      const small = text(4096);
      const large = text(65536);
      const blob = crypto.randomBytes(65536);
      const [a] = await conn.query(`INSERT INTO ${table} (body) VALUES (?)`, [small]);
      const [b] = await conn.execute(`INSERT INTO ${table} (body, blob_) VALUES (?, ?)`, [large, blob]);
      const [rows] = await conn.execute(
        `SELECT id, body, blob_, MD5(body) AS m, MD5(blob_) AS mb FROM ${table} WHERE id IN (?, ?) ORDER BY id`,
        [a.insertId, b.insertId]);
      return [
        ['server MD5 of the 4 KiB text', md5(small), rows[0].m],
        ['server MD5 of the 64 KiB text', md5(large), rows[1].m],
        ['server MD5 of the 64 KiB blob', md5(blob), rows[1].mb],
        ['4 KiB text read back', small, rows[0].body],
        ['64 KiB text read back', large, rows[1].body],
        ['64 KiB blob read back', blob, rows[1].blob_],
      ];
    });
  } finally {
    await conn.end();
  }

  const pool = mysql.createPool({ ...config, connectionLimit: 4 });
  try {
    await step('pool: 4 connections busy at once, each writes and reads its own rows', async () => {
      const conns = await Promise.all([1, 2, 3, 4].map(() => pool.getConnection()));
      try {
        const ids = await Promise.all(conns.map((c) => c.query('SELECT CONNECTION_ID() AS id')));
        const distinct = new Set(ids.map(([r]) => r[0].id)).size;
        const out = await Promise.all(conns.map(async (c, i) => {
          const body = text(8192 + i * 1000);
          const [r] = await c.execute(`INSERT INTO ${table} (body) VALUES (?)`, [body]);
          const [[back]] = await c.execute(`SELECT body, MD5(body) AS m FROM ${table} WHERE id = ?`, [r.insertId]);
          return [[`connection ${i + 1}: server MD5`, md5(body), back.m], [`connection ${i + 1}: read back`, body, back.body]];
        }));
        return [['distinct server connections', 4, distinct], ...out.flat()];
      } finally {
        for (const c of conns) c.release();
      }
    });
    await step('pool: 16 concurrent pool.query calls', async () => {
      const bodies = Array.from({ length: 16 }, (_, i) => text(1024 + i));
      const results = await Promise.all(bodies.map((b) => pool.query('SELECT ? AS echo, MD5(?) AS m', [b, b])));
      return bodies.flatMap((b, i) => [[`query ${i}: echo`, b, results[i][0][0].echo], [`query ${i}: MD5`, md5(b), results[i][0][0].m]]);
    });
    await pool.query(`DROP TABLE ${table}`);
  } finally {
    await pool.end();
  }
};
