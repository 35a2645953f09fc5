package io.mmserve.client;

/**
 * Which request field broke which rule: one {@code google.rpc.BadRequest.FieldViolation} of a
 * failed call's status details.
 *
 * @param field the field path in the request as the gateway names it: {@code labels[1]}, {@code
 *     images[0]}, {@code pairs[2].image}, {@code prompt_template}
 * @param description the rule, safe to show a user
 */
public record FieldViolation(String field, String description) {}
