package io.sluice.engine.report;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.fault.Fault;
import io.sluice.engine.plan.QuerySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the controller has observed that the report shows: times, per-stage worker and partition counts,
 * per-worker counters, workers, warnings, the outcome and SELECT results. Mutable, owned by the controller actor.
 */
public final class ReportState {
    private final String taskId;
    private final QuerySpec spec;
    private final long createdMillis;
    private final String host;
    private Long startMillis;
    private Long endMillis;
    private String status = "RUNNING";
    private Fault fault;
    private Integer faultStage;
    private String faultTaskId;
    private boolean persisting;
    private List<List<Object>> results;
    private final Map<Integer, Long> stageStart = new TreeMap<>();
    private final Map<Integer, Long> stageEnd = new TreeMap<>();
    private final Map<Integer, Integer> stageWorkers = new TreeMap<>();
    private final Map<Integer, Integer> stagePartitions = new TreeMap<>();
    private final Map<Integer, Map<Integer, ObjectNode>> counters = new TreeMap<>();
    private final Map<Integer, List<WorkerInfo>> workers = new TreeMap<>();
    private final List<JsonNode> warnings = new ArrayList<>();

    /** One attempt of a worker in {@code status.workers} (a list per worker number: one entry per attempt). */
    public static final class WorkerInfo {
        final String workerId;
        final String host;
        final long startMillis;
        Long endMillis;
        String state = "RUNNING";

        WorkerInfo(String workerId, String host, long startMillis) {
            this.workerId = workerId;
            this.host = host;
            this.startMillis = startMillis;
        }
    }

    public ReportState(String taskId, QuerySpec spec, long createdMillis, String host) {
        this.taskId = requireNonNull(taskId, "taskId is null");
        this.spec = requireNonNull(spec, "spec is null");
        this.createdMillis = createdMillis;
        this.host = host;
    }

    public String taskId() {
        return taskId;
    }

    public QuerySpec spec() {
        return spec;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public String host() {
        return host;
    }

    public Long startMillis() {
        return startMillis;
    }

    public Long endMillis() {
        return endMillis;
    }

    public String status() {
        return status;
    }

    public Fault fault() {
        return fault;
    }

    public Integer faultStage() {
        return faultStage;
    }

    public String faultTaskId() {
        return faultTaskId;
    }

    public List<List<Object>> results() {
        return results;
    }

    public boolean isPersisting() {
        return persisting;
    }

    public Map<Integer, Long> stageStart() {
        return stageStart;
    }

    public Map<Integer, Long> stageEnd() {
        return stageEnd;
    }

    public Map<Integer, Integer> stageWorkers() {
        return stageWorkers;
    }

    public Map<Integer, Integer> stagePartitions() {
        return stagePartitions;
    }

    public Map<Integer, Map<Integer, ObjectNode>> counters() {
        return counters;
    }

    public Map<Integer, List<WorkerInfo>> workers() {
        return workers;
    }

    public List<JsonNode> warnings() {
        return warnings;
    }

    public void started(long now) {
        if (startMillis == null) {
            startMillis = now;
        }
    }

    /** An attempt of worker {@code worker} started (the first, or a relaunch under fault tolerance). */
    public void workerStarted(int worker, String workerId, String workerHost, long now) {
        workers.computeIfAbsent(worker, w -> new ArrayList<>()).add(new WorkerInfo(workerId, workerHost, now));
    }

    /** The current attempt of worker {@code worker} was lost; a relaunch may follow. */
    public void workerLost(int worker, long now) {
        List<WorkerInfo> attempts = workers.get(worker);
        if (attempts != null && !attempts.isEmpty()) {
            WorkerInfo last = attempts.get(attempts.size() - 1);
            if (last.endMillis == null) {
                last.endMillis = now;
                last.state = "FAILED";
            }
        }
    }

    public void stageStarted(int stage, int workerCount, long now) {
        stageStart.put(stage, now);
        stageWorkers.put(stage, workerCount);
    }

    public void stageResultsReady(int stage, int partitions, long now) {
        stageEnd.put(stage, now);
        if (partitions >= 0) {
            stagePartitions.put(stage, partitions);
        }
    }

    public void counters(int stage, int worker, ObjectNode snapshot) {
        if (snapshot != null) {
            counters.computeIfAbsent(stage, s -> new TreeMap<>()).put(worker, snapshot);
        }
    }

    public void warnings(List<JsonNode> more) {
        if (more != null) {
            warnings.addAll(more);
        }
    }

    public void results(List<List<Object>> rows) {
        this.results = rows;
    }

    public void failed(Fault f, Integer stage, String taskIdOfFault, long now) {
        if (fault == null) {
            fault = f;
            faultStage = stage;
            faultTaskId = taskIdOfFault;
        }
    }

    /** The query ended: {@code SUCCESS} or {@code FAILED}; workers end with it. */
    public void ended(String finalStatus, long now) {
        status = finalStatus;
        endMillis = now;
        persisting = true;
        for (List<WorkerInfo> attempts : workers.values()) {
            for (WorkerInfo w : attempts) {
                if (w.endMillis == null) {
                    w.endMillis = now;
                    w.state = "SUCCESS".equals(finalStatus) ? "SUCCESS" : "FAILED";
                }
            }
        }
    }
}
