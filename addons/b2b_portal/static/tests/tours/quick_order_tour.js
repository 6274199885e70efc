/** @odoo-module **/

import { registry } from "@web/core/registry";

/** Fail the tour with message unless condition holds. */
function check(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}

function checkCartLines(count) {
    return {
        content: `The cart shows ${count} lines`,
        trigger: "#cart_products .o_cart_product",
        run() {
            const lines = document.querySelectorAll("#cart_products .o_cart_product");
            check(lines.length === count, `${lines.length} cart lines, expected ${count}`);
        },
    };
}

function addToCartSteps(added, cartLines) {
    return [
        {
            content: "Add the valid rows to the cart",
            trigger: ".o_b2b_qo_add_to_cart:enabled",
            run: "click",
        },
        {
            content: `${added} rows were added`,
            trigger: `.o_b2b_qo_result_text[data-added='${added}']`,
        },
        {
            content: "Open the cart",
            trigger: "a.o_b2b_qo_cart_link",
            run: "click",
        },
        checkCartLines(cartLines),
    ];
}

registry.category("web_tour.tours").add("b2b_quick_order_paste", {
    url: "/my/quick-order",
    steps: () => [
        {
            content: "Paste 20 lines copied from a spreadsheet (reference, tab, quantity)",
            trigger: ".o_b2b_quick_order textarea[name='paste']",
            run() {
                const lines = [];
                for (let index = 1; index <= 20; index++) {
                    lines.push(`QOT-${String(index).padStart(3, "0")}\t${index}`);
                }
                const textarea = document.querySelector(
                    ".o_b2b_quick_order textarea[name='paste']"
                );
                textarea.value = lines.join("\r\n") + "\r\n";
                textarea.dispatchEvent(new Event("input", { bubbles: true }));
            },
        },
        {
            content: "Preview the pasted list",
            trigger: ".o_b2b_qo_preview_paste",
            run: "click",
        },
        {
            content: "The preview shows 20 good rows with their prices",
            trigger: ".o_b2b_qo_summary[data-ok='20'][data-errors='0'][data-backorders='0']",
            run() {
                const rows = document.querySelectorAll(".o_b2b_qo_rows tr.o_b2b_qo_row");
                check(rows.length === 20, `${rows.length} preview rows, expected 20`);
                for (const row of rows) {
                    const price = row.querySelector(".o_b2b_qo_row_price");
                    const subtotal = row.querySelector(".o_b2b_qo_row_subtotal");
                    check(
                        price && /\d/.test(price.textContent),
                        `row ${row.dataset.number} has no price`
                    );
                    check(
                        subtotal && /\d/.test(subtotal.textContent),
                        `row ${row.dataset.number} has no subtotal`
                    );
                }
                const first = rows[0].querySelector(".o_b2b_qo_row_price").textContent;
                check(first.includes("8.00"), `QOT-001 costs ${first}, expected 8.00`);
            },
        },
        ...addToCartSteps(20, 20),
    ],
});

registry.category("web_tour.tours").add("b2b_quick_order_csv", {
    url: "/my/quick-order",
    steps: () => [
        {
            content: "Upload a CSV file with good and bad rows",
            trigger: ".o_b2b_quick_order input[name='file']",
            run() {
                const csv = [
                    "Référence;Quantité",
                    "QOT-001;2",
                    "QOT-002;3",
                    "NOPE-999;1",
                    "Twin Widget;1",
                    "QOT-023;5",
                    "QOT-024;7",
                    "QOT-003;abc",
                    "QOT-004;4",
                ].join("\r\n");
                const file = new File([csv], "order.csv", { type: "text/csv" });
                const transfer = new DataTransfer();
                transfer.items.add(file);
                const input = document.querySelector(".o_b2b_quick_order input[name='file']");
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The preview shows 3 good rows and the 5 errors with their messages",
            trigger: ".o_b2b_qo_summary[data-ok='3'][data-errors='5']",
            run() {
                for (const code of [
                    "unknown",
                    "ambiguous",
                    "below_minimum",
                    "not_multiple",
                    "bad_quantity",
                ]) {
                    const row = document.querySelector(
                        `.o_b2b_qo_rows tr[data-error-code='${code}']`
                    );
                    check(row, `no row in error ${code}`);
                    check(row.dataset.status === "error", `row ${code} is not an error`);
                    const error = row.querySelector(".o_b2b_qo_error");
                    check(
                        error && error.textContent.trim().length > 5,
                        `row ${code} shows no message`
                    );
                }
            },
        },
        ...addToCartSteps(3, 3),
    ],
});
