package io.mmserve.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetTest {

  @Test
  void parse_singleAddress() throws Exception {
    Target target = Target.parse("127.0.0.1:50052");

    assertFalse(target.isDns());
    assertEquals(List.of("127.0.0.1:50052"), target.resolve());
  }

  @Test
  void parse_listKeepsOrderTrimsSpacesAndDropsDuplicates() {
    Target target = Target.parse(" a:1 , b:2,a:1 ");

    assertEquals(List.of("a:1", "b:2"), target.addresses());
    assertNull(target.dnsHost());
  }

  @Test
  void parse_bracketedIpv6Address() {
    assertEquals(List.of("[::1]:50052"), Target.parse("[::1]:50052").addresses());
  }

  @Test
  void parse_dnsTargetGivesHostAndPort() {
    Target target = Target.parse("dns:///text-encoder.mmserve.svc:50052");

    assertTrue(target.isDns());
    assertEquals("text-encoder.mmserve.svc", target.dnsHost());
    assertEquals(50052, target.dnsPort());
    assertEquals(List.of(), target.addresses());
  }

  @Test
  void resolve_dnsTargetGivesEachAddressOfTheNameWithThePort() throws Exception {
    List<String> resolved = Target.parse("dns:///127.0.0.1:7000").resolve();

    assertEquals(List.of("127.0.0.1:7000"), resolved);
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
  void parse_rejectsEmptyPort() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("a:"));

    assertEquals("'a:' in target 'a:' is not host:port", e.getMessage());
  }

  @Test
  void parse_rejectsPortThatIsNotANumberNamingThePart() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("a:1,b:http"));

    assertEquals("'b:http' in target 'a:1,b:http' has no valid port (1..65535)", e.getMessage());
  }

  @Test
  void parse_rejectsPortOutOfRange() {
    assertThrows(IllegalArgumentException.class, () -> Target.parse("a:0"));
    assertThrows(IllegalArgumentException.class, () -> Target.parse("a:65536"));
  }

  @Test
  void parse_rejectsDnsTargetWithoutPortNamingTheName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("dns:///encoders"));

    assertEquals("'encoders' in target 'dns:///encoders' is not host:port", e.getMessage());
  }

  @Test
  void parse_rejectsDnsTargetListingSeveralNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("dns:///a:1,b:1"));

    assertEquals("'a:1,b:1' in target 'dns:///a:1,b:1' is not host:port", e.getMessage());
  }

  @Test
  void parse_rejectsHostWithSpaces() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Target.parse("text encoder:1"));

    assertEquals("'text encoder:1' in target 'text encoder:1' is not host:port", e.getMessage());
  }

  @Test
  void parse_rejectsBlankTarget() {
    assertThrows(IllegalArgumentException.class, () -> Target.parse("  "));
  }
}
