package io.sluice.engine.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.json.Json;
import io.sluice.engine.kernel.ControllerQueryKernel;
import io.sluice.engine.kernel.ControllerStagePhase;
import io.sluice.engine.plan.InputSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.Intervals;
import java.util.List;
import java.util.Map;

/** Renders Druid's MSQ task report ({@code multiStageQuery}) from the controller's state. Pure. */
public final class ReportBuilder {
    private ReportBuilder() {}

    public static ObjectNode build(ReportState st, ControllerQueryKernel<?, ?> kernel, long now) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode msq = root.putObject("multiStageQuery");
        msq.put("type", "multiStageQuery");
        msq.put("taskId", st.taskId());
        ObjectNode payload = msq.putObject("payload");
        payload.set("status", status(st, now));
        ArrayNode stages = payload.putArray("stages");
        for (StageDefinition s : st.spec().queryDefinition().stages()) {
            stages.add(stage(st, kernel, s, now));
        }
        ObjectNode counters = payload.putObject("counters");
        for (Map.Entry<Integer, Map<Integer, ObjectNode>> e : st.counters().entrySet()) {
            ObjectNode byWorker = counters.putObject(String.valueOf(e.getKey()));
            for (Map.Entry<Integer, ObjectNode> w : e.getValue().entrySet()) {
                byWorker.set(String.valueOf(w.getKey()), w.getValue());
            }
        }
        if (st.results() != null && st.spec().destination() instanceof io.sluice.engine.plan.Destination.TaskReport) {
            ObjectNode results = payload.putObject("results");
            ArrayNode sig = results.putArray("signature");
            for (ColumnSignature c : st.spec().resultSignature().columns()) {
                sig.addObject().put("name", c.name()).put("type", c.type().druidName());
            }
            ArrayNode types = results.putArray("sqlTypeNames");
            st.spec().sqlTypeNames().forEach(types::add);
            ArrayNode rows = results.putArray("results");
            List<ColumnSignature> cols = st.spec().resultSignature().columns();
            for (List<Object> row : st.results()) {
                rows.add(Json.MAPPER.valueToTree(complexAsJsonText(row, cols)));
            }
            results.put("resultsTruncated", false);
        }
        return root;
    }

    /**
     * Sketch values as the JSON text of their serialised form (a quoted base64 string), as Druid's reports carry
     * complex values ({@code serializeComplexValues}).
     */
    private static List<Object> complexAsJsonText(List<Object> row, List<ColumnSignature> cols) {
        List<Object> out = null;
        for (int i = 0; i < row.size() && i < cols.size(); i++) {
            Object v = row.get(i);
            if (cols.get(i).type().isSketch() && (v instanceof byte[] || v instanceof String)) {
                if (out == null) {
                    out = new java.util.ArrayList<>(row);
                }
                // results may already have been through JSON, where bytes become base64 text
                String base64 = v instanceof byte[] b ? java.util.Base64.getEncoder().encodeToString(b) : (String) v;
                out.set(i, base64.startsWith("\"") ? base64 : "\"" + base64 + "\"");
            }
        }
        return out == null ? row : out;
    }

    private static ObjectNode status(ReportState st, long now) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("status", st.status());
        if (st.fault() != null) {
            ObjectNode er = s.putObject("errorReport");
            er.put("taskId", st.faultTaskId());
            if (st.host() != null) {
                er.put("host", st.host());
            }
            if (st.faultStage() != null) {
                er.put("stageNumber", st.faultStage());
            }
            er.set("error", Json.MAPPER.valueToTree(st.fault()));
        }
        if (!st.warnings().isEmpty()) {
            ArrayNode w = s.putArray("warnings");
            st.warnings().forEach(w::add);
        }
        if (st.startMillis() != null) {
            s.put("startTime", Intervals.formatInstant(st.startMillis()));
            long end = st.endMillis() != null ? st.endMillis() : now;
            s.put("durationMs", end - st.startMillis());
        } else {
            s.put("durationMs", -1);
        }
        if (!st.workers().isEmpty()) {
            ObjectNode workers = s.putObject("workers");
            for (Map.Entry<Integer, List<ReportState.WorkerInfo>> e : st.workers().entrySet()) {
                ArrayNode attempts = workers.putArray(String.valueOf(e.getKey()));
                for (ReportState.WorkerInfo w : e.getValue()) {
                    ObjectNode wi = attempts.addObject();
                    wi.put("workerId", w.workerId);
                    wi.put("workerDesc", w.workerId + " on " + w.host);
                    wi.put("state", w.state);
                    wi.put("durationMs", (w.endMillis != null ? w.endMillis : now) - w.startMillis);
                    wi.put("pendingMs", Math.max(0, w.startMillis - st.createdMillis()));
                }
            }
        }
        boolean running = "RUNNING".equals(st.status());
        s.put("pendingTasks", 0);
        s.put("runningTasks", running ? st.workers().size() + 1 : (st.workers().size() + 1));
        return s;
    }

    private static ObjectNode stage(
            ReportState st, ControllerQueryKernel<?, ?> kernel, StageDefinition s, long now) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        int num = s.stageNumber();
        n.put("stageNumber", num);
        ObjectNode def = n.putObject("definition");
        def.put("id", s.id());
        ArrayNode inputs = def.putArray("input");
        for (InputSpec in : s.inputs()) {
            inputs.add(Json.MAPPER.valueToTree(in));
        }
        if (!s.broadcastInputs().isEmpty()) {
            def.set("broadcast", Json.MAPPER.valueToTree(s.broadcastInputs()));
        }
        def.set("processor", Json.MAPPER.valueToTree(s.processor()));
        def.set("signature", Json.MAPPER.valueToTree(s.signature()));
        if (s.shuffleSpec() != null) {
            def.set("shuffleSpec", Json.MAPPER.valueToTree(s.shuffleSpec()));
        }
        def.put("maxWorkerCount", s.maxWorkerCount());
        ControllerStagePhase phase = kernel.phase(num);
        if (phase != ControllerStagePhase.NEW) {
            n.put("phase", phase.name());
            Integer wc = st.stageWorkers().get(num);
            if (wc != null && wc > 0) {
                n.put("workerCount", wc);
            }
            int pc = kernel.partitionCount(num);
            if (pc > 0) {
                n.put("partitionCount", pc);
            }
            if (s.shuffleSpec() != null) {
                n.put("shuffle", s.shuffleSpec().kindName());
            }
            n.put("output", "localStorage");
            Long start = st.stageStart().get(num);
            if (start != null) {
                n.put("startTime", Intervals.formatInstant(start));
                Long end = st.stageEnd().get(num);
                long d = (end != null ? end : (phase.isTerminal() && st.endMillis() != null ? st.endMillis() : now))
                        - start;
                if (d > 0) {
                    n.put("duration", d);
                }
            }
            if (s.doesSort()) {
                n.put("sort", true);
            }
        }
        return n;
    }
}
