package io.keyway.billing.rest;

import io.keyway.billing.model.LedgerEntry;
import io.keyway.billing.service.Money;
import io.keyway.billing.service.StatementService.LedgerLine;
import io.keyway.billing.service.StatementService.LedgerPage;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How ledger entries and pages look on the wire (JSON and CSV). */
final class LedgerResponses {

    private LedgerResponses() {
    }

    static Map<String, Object> entry(LedgerEntry e) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", e.id.toString());
        data.put("account_id", e.accountId);
        data.put("kind", e.kind.name().toLowerCase());
        data.put("amount", Money.wire(e.amount).toPlainString());
        data.put("description", e.description);
        data.put("created_at", e.createdAt.toString());
        return Map.of("data", data);
    }

    static Response page(LedgerPage page, String format) {
        if ("csv".equals(format)) {
            StringBuilder csv = new StringBuilder("id,at,kind,amount,description,model,provider,is_byok\n");
            for (LedgerLine l : page.data()) {
                csv.append(String.join(",", List.of(l.id(), l.at().toInstant().toString(), l.kind(),
                        l.amount().toPlainString(), cell(l.description()), cell(l.model()), cell(l.provider()),
                        l.byok() == null ? "" : l.byok().toString()))).append('\n');
            }
            return Response.ok(csv.toString(), "text/csv")
                    .header("X-Page", page.page()).header("X-Page-Size", page.pageSize())
                    .header("X-Has-More", page.hasMore()).build();
        }
        return Response.ok(page).build();
    }

    /** RFC 4180 quoting; a leading formula character is neutralised so spreadsheets do not evaluate it. */
    private static String cell(String value) {
        if (value == null) {
            return "";
        }
        String v = value;
        if (!v.isEmpty() && "=+-@".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            v = "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }

    static String format(String format) {
        if (format == null || format.equals("json")) {
            return "json";
        }
        if (format.equals("csv")) {
            return "csv";
        }
        throw ApiError.badField("format", "format must be json or csv");
    }
}
