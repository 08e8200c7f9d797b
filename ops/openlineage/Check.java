// Checks an NDJSON file of OpenLineage run events with the official Java client (openlineage-java,
// whose model is generated from the spec, 2-0-2). Run by ops/openlineage/check.sh:
//
//   java -cp '.stack/openlineage/*' ops/openlineage/Check.java events.ndjson
//
// Per line: the client must deserialize it (runId a UUID, eventTime a date-time, URIs, eventType);
// the spec's required fields must be present, as must every facet's _producer and _schemaURL
// (absolute URIs); and the client's own serialization of the event must keep everything the line
// said. Prints "line N: <path>: <problem>" per problem and exits 1, or prints "N events valid".

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openlineage.client.OpenLineage.RunEvent;
import io.openlineage.client.OpenLineageClientUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

public class Check {
  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  // what the spec requires of a RunEvent (besides BaseFacet's fields and each dataset's name)
  static final List<String> REQUIRED =
      List.of("/eventTime", "/producer", "/schemaURL", "/run/runId", "/job/namespace", "/job/name");
  // RFC 3339 (the spec's "date-time"); the client alone also takes e.g. a zone id or no seconds
  static final String RFC3339 = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)";
  static final List<String> EVENT_TYPES =
      Arrays.stream(RunEvent.EventType.values()).map(Enum::name).collect(Collectors.toList());

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: Check.java <events.ndjson>");
      System.exit(2);
    }
    List<String> lines = Files.readAllLines(Path.of(args[0]));
    int events = 0, invalid = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) continue;
      events++;
      List<String> problems = problems(lines.get(i));
      for (String p : problems) System.out.println("line " + (i + 1) + ": " + p);
      if (!problems.isEmpty()) invalid++;
    }
    if (invalid > 0) {
      System.out.println(invalid + " of " + events + " events invalid");
      System.exit(1);
    }
    System.out.println(events + " events valid");
  }

  static List<String> problems(String line) throws IOException {
    JsonNode sent;
    try {
      sent = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return List.of("not JSON: " + e.getOriginalMessage());
    }
    if (!sent.isObject()) return List.of("not a JSON object");
    RunEvent event;
    try {
      event = OpenLineageClientUtils.runEventFromJson(line);
    } catch (RuntimeException e) {
      return List.of(rejection(e instanceof UncheckedIOException ? e.getCause() : e));
    }
    // The client lets required fields be missing (and takes "start" for START): check the spec's.
    List<String> out = new ArrayList<>();
    for (String p : REQUIRED) required(sent.at(p), p.substring(1).replace('/', '.'), out);
    absoluteUri(sent.path("producer"), "producer", out);
    absoluteUri(sent.path("schemaURL"), "schemaURL", out);
    JsonNode time = sent.path("eventTime");
    if (time.isTextual() && !time.asText().matches(RFC3339)) {
      out.add("eventTime: " + time + " is not an RFC 3339 date-time");
    }
    if (sent.has("eventType") && !EVENT_TYPES.contains(sent.get("eventType").asText())) {
      out.add("eventType: " + sent.get("eventType") + " is not one of " + EVENT_TYPES);
    }
    facets(sent.path("run").path("facets"), "run.facets", out);
    facets(sent.path("job").path("facets"), "job.facets", out);
    for (String side : List.of("inputs", "outputs")) {
      for (int i = 0; i < sent.path(side).size(); i++) {
        JsonNode dataset = sent.path(side).get(i);
        String at = side + "[" + i + "]";
        required(dataset.path("namespace"), at + ".namespace", out);
        required(dataset.path("name"), at + ".name", out);
        facets(dataset.path("facets"), at + ".facets", out);
        String own = side.equals("inputs") ? "inputFacets" : "outputFacets";
        facets(dataset.path(own), at + "." + own, out);
      }
    }
    // Round trip through the client's model: whatever we sent must come back (nulls excepted).
    kept("", sent, JSON.readTree(OpenLineageClientUtils.toJson(event)), out);
    return out;
  }

  /** The client's reason, with the JSON path it was reading: "run.runId: rejected by ...". */
  static String rejection(Throwable t) {
    String why = "rejected by openlineage-java: ";
    if (t instanceof JsonMappingException && !((JsonMappingException) t).getPath().isEmpty()) {
      JsonMappingException m = (JsonMappingException) t;
      String path = m.getPath().stream()
          .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
          .collect(Collectors.joining());
      return path.substring(1) + ": " + why + m.getOriginalMessage();
    }
    return why + t.getMessage();
  }

  static boolean required(JsonNode value, String at, List<String> out) {
    if (value.isTextual() && !value.asText().isEmpty()) return true;
    out.add(at + ": required, " + (value.isMissingNode() ? "missing" : "not a non-empty string"));
    return false;
  }

  static void absoluteUri(JsonNode value, String at, List<String> out) {
    if (!value.isTextual()) return; // reported by required()
    try {
      if (!new URI(value.asText()).isAbsolute()) out.add(at + ": " + value + " is not an absolute URI");
    } catch (URISyntaxException e) {
      out.add(at + ": " + value + " is not a URI");
    }
  }

  /** Every facet is a BaseFacet: _producer and _schemaURL, absolute URIs. */
  static void facets(JsonNode facets, String at, List<String> out) {
    facets.fields().forEachRemaining(f -> {
      String facet = at + "." + f.getKey();
      if (!f.getValue().isObject()) {
        out.add(facet + ": a facet must be an object");
        return;
      }
      for (String key : List.of("_producer", "_schemaURL")) {
        JsonNode value = f.getValue().path(key);
        if (required(value, facet + "." + key, out)) absoluteUri(value, facet + "." + key, out);
      }
    });
  }

  /** Reports what `sent` had that `back` lost or changed (eventTime by instant, runId by UUID). */
  static void kept(String path, JsonNode sent, JsonNode back, List<String> out) {
    String at = path.isEmpty() ? "event" : path;
    if (sent.isNull()) return;
    if (back == null || back.isNull() || back.isMissingNode()) {
      out.add(at + ": lost by openlineage-java (not in its serialization of the event)");
    } else if (sent.isObject() && back.isObject()) {
      sent.fields().forEachRemaining(f ->
          kept(path.isEmpty() ? f.getKey() : path + "." + f.getKey(), f.getValue(), back.get(f.getKey()), out));
    } else if (sent.isArray() && back.isArray() && sent.size() == back.size()) {
      for (int i = 0; i < sent.size(); i++) kept(path + "[" + i + "]", sent.get(i), back.get(i), out);
    } else if (!same(path, sent, back)) {
      out.add(at + ": " + sent + " came back from openlineage-java as " + back);
    }
  }

  static boolean same(String path, JsonNode sent, JsonNode back) {
    if (sent.isNumber() && back.isNumber()) return sent.decimalValue().compareTo(back.decimalValue()) == 0;
    if (!sent.isTextual() || !back.isTextual()) return sent.equals(back);
    try {
      if (path.equals("eventTime")) {
        return OffsetDateTime.parse(sent.asText()).isEqual(OffsetDateTime.parse(back.asText()));
      }
      if (path.equals("run.runId")) return UUID.fromString(sent.asText()).equals(UUID.fromString(back.asText()));
    } catch (Exception e) {
      return false; // already reported above
    }
    return sent.equals(back);
  }
}
