/**
 * Integration tests against the whole local stack, started by {@link
 * io.mmserve.testsupport.LocalStackProcess} on free loopback ports.
 */
package io.mmserve.stackit;
