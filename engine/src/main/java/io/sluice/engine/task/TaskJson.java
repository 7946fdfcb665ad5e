package io.sluice.engine.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.json.Json;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.storage.TaskHeader;
import io.sluice.engine.types.ColumnSignature;

/** Druid's JSON for task status objects and the {@code query_controller} task payload. Pure. */
public final class TaskJson {
    /** Druid's TaskStatus.MAX_ERROR_MSG_LENGTH. */
    public static final int MAX_ERROR_MSG_LENGTH = 100;

    private TaskJson() {}

    /** The inner {@code status} object of GET /task/{id}/status, also a TaskStatusPlus in task lists. */
    public static ObjectNode status(TaskHeader t, boolean live) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("id", t.id());
        s.put("groupId", t.id());
        s.put("type", t.type());
        s.put("createdTime", t.createdTime());
        s.put("queueInsertionTime", "1970-01-01T00:00:00.000Z");
        s.put("statusCode", t.status());
        s.put("status", t.status());
        s.put("runnerStatusCode", live ? "RUNNING" : ("RUNNING".equals(t.status()) ? "PENDING" : "NONE"));
        s.put("duration", t.durationMs());
        ObjectNode loc = s.putObject("location");
        if (t.locationHost() == null) {
            loc.putNull("host");
            loc.put("port", -1);
        } else {
            loc.put("host", t.locationHost());
            loc.put("port", t.locationPort());
        }
        loc.put("tlsPort", -1);
        s.put("dataSource", t.dataSource());
        if (t.errorMsg() == null) {
            s.putNull("errorMsg");
        } else {
            s.put("errorMsg", truncate(t.errorMsg()));
        }
        return s;
    }

    public static String truncate(String msg) {
        return msg.length() > MAX_ERROR_MSG_LENGTH ? msg.substring(0, MAX_ERROR_MSG_LENGTH) + "..." : msg;
    }

    /** The task payload (Druid's MSQControllerTask shape) plus {@code sluiceQuerySpec}, the plan we run. */
    public static ObjectNode payload(String taskId, QuerySpec spec) {
        ObjectNode p = Json.MAPPER.createObjectNode();
        p.put("type", "query_controller");
        p.put("id", taskId);
        ObjectNode s = p.putObject("spec");
        s.set("query", Json.MAPPER.valueToTree(spec.queryDefinition()));
        ArrayNode cm = s.putArray("columnMappings");
        for (ColumnMapping m : spec.columnMappings()) {
            cm.addObject().put("queryColumn", m.queryColumn()).put("outputColumn", m.outputColumn());
        }
        ObjectNode dest = Json.MAPPER.valueToTree(spec.destination());
        if (spec.destination() instanceof Destination.DataSource ds) {
            dest.put("segmentGranularity", ds.segmentGranularity().name());
        }
        s.set("destination", dest);
        s.put("assignmentStrategy", String.valueOf(spec.context().getOrDefault("taskAssignment", "max")));
        ObjectNode tuning = s.putObject("tuningConfig");
        tuning.put("maxNumWorkers", intContext(spec, "maxNumTasks", 2) - 1);
        tuning.put("maxRowsInMemory", intContext(spec, "maxRowsInMemory", 100000));
        tuning.put("rowsPerSegment", intContext(spec, "rowsPerSegment", 3000000));
        p.put("sqlQuery", spec.sql());
        ObjectNode sqlCtx = Json.MAPPER.valueToTree(spec.context());
        p.set("sqlQueryContext", sqlCtx);
        ObjectNode rc = p.putObject("sqlResultsContext");
        rc.put("timeZone", "UTC");
        rc.put("serializeComplexValues", true);
        rc.put("stringifyArrays", true);
        ArrayNode sqlTypes = p.putArray("sqlTypeNames");
        spec.sqlTypeNames().forEach(sqlTypes::add);
        ArrayNode nativeTypes = p.putArray("nativeTypeNames");
        for (ColumnSignature c : spec.resultSignature().columns()) {
            nativeTypes.add(c.type().druidName());
        }
        ObjectNode ctx = p.putObject("context");
        ctx.put("forceTimeChunkLock", true);
        ctx.put("useLineageBasedSegmentAllocation", true);
        p.put("groupId", taskId);
        p.put("dataSource", spec.dataSource());
        ObjectNode res = p.putObject("resource");
        res.put("availabilityGroup", taskId);
        res.put("requiredCapacity", 1);
        p.set("sluiceQuerySpec", Json.MAPPER.valueToTree(spec));
        return p;
    }

    private static int intContext(QuerySpec spec, String key, int dflt) {
        Object v = spec.context().get(key);
        if (v instanceof Number n) {
            return n.intValue();
        }
        if (v instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    public static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored JSON is corrupt", e);
        }
    }
}
