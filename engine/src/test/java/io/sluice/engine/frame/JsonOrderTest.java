package io.sluice.engine.frame;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonOrderTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

    private static Object parse(String s) throws Exception {
        return JSON.readValue(s, Object.class);
    }

    @Test
    void objectsSortAsDruidSortsNestedData() throws Exception {
        // Druid's MSQComplexGroupByTest.testSortingOnNestedData: ORDER BY obj returns the objects in this order
        List<String> druidOrder = List.of(
                "{\"a\":600,\"b\":{\"x\":\"f\",\"y\":1.1,\"z\":[6,7,8,9]},\"c\":12.3,\"v\":\"b\"}",
                "{\"a\":200,\"b\":{\"x\":\"b\",\"y\":1.1,\"z\":[2,4,6]},\"c\":[\"a\",\"b\"],\"v\":[]}",
                "{\"a\":400,\"b\":{\"x\":\"d\",\"y\":1.1,\"z\":[3,4]},\"c\":{\"a\":1},\"v\":[]}",
                "{\"a\":500,\"b\":{\"x\":\"e\",\"z\":[1,2,3,4]},\"c\":\"hello\",\"v\":\"a\"}",
                "{\"a\":700,\"b\":{\"x\":\"g\",\"y\":1.1,\"z\":[9,null,9,9]},\"c\":null,\"v\":[]}",
                "{\"a\":100,\"b\":{\"x\":\"a\",\"y\":1.1,\"z\":[1,2,3,4]},\"c\":[100],\"v\":[]}",
                "{\"a\":300}");
        List<Object> values = new ArrayList<>();
        for (String s : druidOrder) {
            values.add(parse(s));
        }
        List<Object> sorted = new ArrayList<>(values);
        java.util.Collections.reverse(sorted);
        sorted.sort((x, y) -> Arrays.compareUnsigned(JsonOrder.sortKey(x), JsonOrder.sortKey(y)));
        assertThat(sorted).containsExactlyElementsOf(values);
    }

    @Test
    void stringsComeBeforeNumbersBeforeObjects() throws Exception {
        List<Object> values = new ArrayList<>(List.of(parse("{\"a\":1}"), 10L, 2.5, "b", "a", parse("[1,2]")));
        values.sort((x, y) -> Arrays.compareUnsigned(JsonOrder.sortKey(x), JsonOrder.sortKey(y)));
        assertThat(values.subList(0, 4)).containsExactly("a", "b", 2.5, 10L);
    }
}
