package io.mmserve.kit.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetTest {

  @Test
  void parse_singleAddressIsAListOfOne() {
    Target target = Target.parse("127.0.0.1:50052");

    assertEquals("static:///127.0.0.1:50052", target.uri());
    assertEquals("static", target.scheme());
  }

  @Test
  void parse_listKeepsOrderTrimsSpacesAndDropsDuplicates() {
    assertEquals("static:///a:1,b:2", Target.parse(" a:1 , b:2,a:1 ").uri());
  }

  @Test
  void parse_bracketedIpv6AddressIsQuotedInTheUri() {
    Target target = Target.parse("[::1]:50052");

    assertEquals("static:///%5B::1%5D:50052", target.uri());
    assertEquals(List.of("[::1]:50052"), Target.addresses("[::1]:50052", "[::1]:50052"));
  }

  @Test
  void parse_dnsTargetStaysAsItIs() {
    Target target = Target.parse("dns:///text-encoder.mmserve.svc:50052");

    assertEquals("dns:///text-encoder.mmserve.svc:50052", target.uri());
    assertEquals("dns", target.scheme());
  }

  @Test
  void parse_targetOfAnotherResolverStaysAsItIs() {
    assertEquals(
        "kubernetes:///text-encoder.mmserve:50052",
        Target.parse("kubernetes:///text-encoder.mmserve:50052").uri());
  }

  @Test
  void parse_rejectsDnsTargetWithoutPort() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("dns:///encoder"));

    assertEquals("'encoder' in target 'dns:///encoder' is not host:port", e.getMessage());
  }

  @Test
  void parse_rejectsPartWithoutPortNamingThatPart() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("a:1,encoder"));

    assertEquals("'encoder' in target 'a:1,encoder' is not host:port", e.getMessage());
  }

  @Test
  void parse_rejectsEmptyPartOfAList() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("a:1,,b:1"));

    assertEquals("'' in target 'a:1,,b:1' is not host:port", e.getMessage());
  }

  @Test
  void parse_rejectsMissingHost() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse(":50052"));

    assertEquals("':50052' in target ':50052' is not host:port", e.getMessage());
  }

  @Test
  void parse_rejectsPortOutOfRange() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("a:70000"));

    assertEquals("'a:70000' in target 'a:70000' has no valid port (1..65535)", e.getMessage());
  }
}
