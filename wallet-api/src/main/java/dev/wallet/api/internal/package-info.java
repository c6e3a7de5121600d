/**
 * Code the library's own strategies share that is <em>not</em> API: it may change or disappear in
 * any release without notice, and nothing outside this project should use it (the transaction-id
 * table of the in-memory and event-sourced strategies).
 */
package dev.wallet.api.internal;
