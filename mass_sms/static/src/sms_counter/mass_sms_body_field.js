import { SmsWidget, smsWidget } from "@sms/components/sms_widget/fields_sms_widget";
import { registry } from "@web/core/registry";
import { useDebounced } from "@web/core/utils/timing";
import { useEffect } from "@odoo/owl";

/**
 * The SMS body of a mailing. While the marketer types, the text goes to the record after a short
 * pause, so that the server recomputes the counter (characters, encoding and segments by the
 * GSM 03.38 rules, on the text as a sample recipient gets it) and the cost estimate: the Python
 * segment counter is the only implementation of the rules. Odoo's own counter and its IAP
 * pricing link are left out: the company's gateways send and price the SMS.
 */
export class MassSmsBodyField extends SmsWidget {
    static template = "mass_sms.MassSmsBodyField";

    setup() {
        super.setup();
        this.pushText = useDebounced(async () => {
            const value = this.targetEditElement.el?.value;
            if (value !== undefined && value !== (this.props.record.data[this.props.name] || "")) {
                await this.props.record.update({ [this.props.name]: value });
            }
        }, 300);
        useEffect(
            (el) => {
                if (!el) {
                    return;
                }
                el.addEventListener("input", this.pushText);
                return () => el.removeEventListener("input", this.pushText);
            },
            () => [this.targetEditElement.el]
        );
    }
}

registry.category("fields").add("mass_sms_body", { ...smsWidget, component: MassSmsBodyField });
